import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchWriter,
  ClickHouseStoreError,
  createClickHouseClient,
  type InsertObservation,
  runMigrations,
  STATUS_TABLE_SPECS,
  TableBatch,
} from '../src';
import { dropDatabase, queryRows, testConfig } from './clickhouse-test-db';

const config = testConfig('it_writer');
const client = createClickHouseClient(config);

beforeAll(() => runMigrations(config));
afterAll(async () => {
  await client.close();
  await dropDatabase(config);
});

const sample = (seq: number, value: number) => ({
  event_id: 'e1',
  seq,
  received_at: 1_795_500_000,
  received_at_us: 1_795_500_000_123_456,
  instance_id: 'i1',
  partition: '',
  family: 'f',
  type: 'GAUGE',
  name: 'f',
  label_names: ['a'],
  label_values: ['b'],
  value,
  timestamp_ms: null,
  unit: '',
  created_timestamp_us: null,
});

describe('BatchWriter on the real ClickHouse', () => {
  it('inserts JSONEachRow per table, including NaN and infinities, and reports each insert', async () => {
    const observations: InsertObservation[] = [];
    const writer = new BatchWriter({
      client,
      database: config.database,
      onInsert: (o) => observations.push(o),
    });
    const batch = new TableBatch(STATUS_TABLE_SPECS);
    batch.add('prometheus_samples', [
      sample(0, 1.5),
      sample(1, Number.NaN),
      sample(2, Number.POSITIVE_INFINITY),
    ]);
    await writer.write(batch);
    const rows = await queryRows<{ seq: number; v: string; received_at: string; us: string }>(
      config,
      `SELECT seq, toString(value) AS v, toString(received_at) AS received_at, toString(received_at_us) AS us
       FROM ${config.database}.prometheus_samples ORDER BY seq`,
    );
    expect(rows).toEqual([
      { seq: 0, v: '1.5', received_at: '2026-11-24 06:00:00', us: '1795500000123456' },
      { seq: 1, v: 'nan', received_at: '2026-11-24 06:00:00', us: '1795500000123456' },
      { seq: 2, v: 'inf', received_at: '2026-11-24 06:00:00', us: '1795500000123456' },
    ]);
    expect(observations).toMatchObject([{ table: 'prometheus_samples', rows: 3, ok: true }]);
  });

  it('fails with the server code and retriable=false for a missing table', async () => {
    const writer = new BatchWriter({ client, database: config.database, attempts: 3 });
    const batch = new TableBatch(new Map());
    batch.add('no_such_table', [{ a: 1 }]);
    const error = await writer.write(batch).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseStoreError);
    expect(error).toMatchObject({ code: 'INSERT_FAILED', serverCode: '60', retriable: false });
  });

  it('fails as retriable after its attempts when ClickHouse is unreachable', async () => {
    const closed = createClickHouseClient({ ...config, url: 'http://127.0.0.1:1' });
    const sleeps: number[] = [];
    const writer = new BatchWriter({
      client: closed,
      database: config.database,
      attempts: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const batch = new TableBatch(STATUS_TABLE_SPECS);
    batch.add('prometheus_samples', [sample(0, 1)]);
    const error = await writer.write(batch).catch((e: unknown) => e);
    await closed.close();
    expect(error).toMatchObject({ code: 'INSERT_FAILED', retriable: true, serverCode: null });
    expect(sleeps).toEqual([100, 200]);
  });
});
