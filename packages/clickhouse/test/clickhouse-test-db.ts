// A fresh, uniquely named database per test file on the real ClickHouse from the environment.
import { randomBytes } from 'node:crypto';
import { type ClickHouseConfig, createClickHouseClient } from '../src';

export function testConfig(prefix: string): ClickHouseConfig {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) throw new Error('CLICKHOUSE_URL is not set (the integration global setup provides it)');
  return { url, database: `${prefix}_${randomBytes(4).toString('hex')}` };
}

export async function dropDatabase(config: ClickHouseConfig): Promise<void> {
  const client = createClickHouseClient(config, { database: 'default' });
  try {
    await client.command({ query: `DROP DATABASE IF EXISTS ${config.database}` });
  } finally {
    await client.close();
  }
}

export async function queryRows<T>(config: ClickHouseConfig, query: string): Promise<T[]> {
  const client = createClickHouseClient(config);
  try {
    const result = await client.query({ query, format: 'JSONEachRow' });
    return await result.json<T>();
  } finally {
    await client.close();
  }
}
