// Proves the ClickHouse the stack provides accepts what the project needs: MergeTree DDL,
// JSONEachRow inserts through @clickhouse/client, and reads back.
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clickhouseUrl, uniqueSuffix } from '../support/stack';

describe('ClickHouse from the stack', () => {
  const database = `it_ch_${uniqueSuffix()}`;
  const client = createClient({ url: clickhouseUrl() });

  beforeAll(async () => {
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
  });
  afterAll(async () => {
    await client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
    await client.close();
  });

  it('answers SELECT 1', async () => {
    const result = await client.query({ query: 'SELECT 1 AS one', format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ one: 1 }]);
  });

  it('creates a MergeTree table, inserts JSONEachRow rows and reads them back', async () => {
    await client.command({
      query: `CREATE TABLE ${database}.samples (day Date, instance String, name String, value Float64)
              ENGINE = MergeTree() PARTITION BY toYYYYMM(day) ORDER BY (instance, name)`,
    });
    const rows = [
      { day: '2026-11-24', instance: 'a', name: 'heap', value: 1.5 },
      { day: '2026-11-24', instance: 'b', name: 'heap', value: 2.5 },
      { day: '2026-10-01', instance: 'a', name: 'gc', value: 3 },
    ];
    await client.insert({ table: `${database}.samples`, values: rows, format: 'JSONEachRow' });
    const result = await client.query({
      query: `SELECT instance, sum(value) AS total FROM ${database}.samples GROUP BY instance ORDER BY instance`,
      format: 'JSONEachRow',
    });
    expect(await result.json()).toEqual([
      { instance: 'a', total: 4.5 },
      { instance: 'b', total: 2.5 },
    ]);
    const parts = await client.query({
      query: `SELECT uniqExact(partition) AS partitions FROM system.parts WHERE database = '${database}' AND table = 'samples' AND active`,
      format: 'JSONEachRow',
    });
    expect(await parts.json()).toEqual([{ partitions: '2' }]);
  });
});
