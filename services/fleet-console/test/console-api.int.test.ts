// The console's API on the real ClickHouse: every documented query answers through it, and parameters
// reach the query as typed values (the answer changes with them).
import type { StatusReport } from '@opa-fleet/contracts';
import { createLogger, createMetrics } from '@opa-fleet/runtime';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BatchWriter,
  createClickHouseClient,
  LOADER_TABLES,
  runMigrations,
} from '../../../packages/clickhouse/src';
import {
  deliverReports,
  dropDatabase,
  testConfig,
} from '../../../packages/clickhouse/test/clickhouse-test-db';
import { statusFixture } from '../../../packages/flatten/test/fixture-records';
import { buildApp } from '../src/app';
import { loadConsoleConfig } from '../src/config';
import { loadDocumentedQueries } from '../src/documented-queries';
import type { QueryParam } from '../src/query-params';

const clickhouse = testConfig('it_console_api');
const client = createClickHouseClient(clickhouse);
const MIN = 60_000_000;
const NOW = Math.floor(Date.now() / 1000) * 1_000_000;

function status(id: string, agoMicros: number): StatusReport {
  const report = statusFixture('status-full.json', 'prod-eu', {
    eventId: `st-${id}`,
    receivedAt: NOW - agoMicros,
  });
  return { ...report, labels: { ...report.labels, id } };
}

let app: FastifyInstance;
beforeAll(async () => {
  await runMigrations(clickhouse);
  const writer = new BatchWriter({ client, database: clickhouse.database, tableOrder: LOADER_TABLES });
  await deliverReports(writer, [status('quiet-90', 90 * MIN), status('quiet-20', 20 * MIN)], [], []);
  const config = loadConsoleConfig({
    CLICKHOUSE_URL: clickhouse.url,
    CLICKHOUSE_DATABASE: clickhouse.database,
    METRICS_TARGETS: '',
  });
  app = buildApp({
    config,
    logger: createLogger('fleet-console', { level: 'silent' }),
    registry: createMetrics('fleet-console'),
    clickhouse: client,
  });
});

afterAll(async () => {
  await app?.close();
  await client.close();
  await dropDatabase(clickhouse);
});

const rowsOf = async (url: string) => {
  const res = await app.inject({ method: 'GET', url });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as { rows: Record<string, unknown>[] }).rows;
};

describe('console API on the real ClickHouse', () => {
  /** A value of each declared type: an instance id, 30, a range of the last day for DateTime `from`/`to`. */
  const nowSeconds = Math.floor(Date.now() / 1000);
  const sample = (param: QueryParam) =>
    param.type === 'String'
      ? 'quiet-20'
      : param.type === 'DateTime'
        ? String(param.name === 'to' ? nowSeconds + 3600 : nowSeconds - 86_400)
        : '30';

  it.each([...loadDocumentedQueries().values()])('$name answers through the API', async (query) => {
    const params = new URLSearchParams(query.params.map((p): [string, string] => [p.name, sample(p)]));
    expect(Array.isArray(await rowsOf(`/api/queries/${query.name}?${params}`))).toBe(true);
  });

  it('silent_minutes: the default (30) and a value from the request give different answers', async () => {
    const byDefault = await rowsOf('/api/queries/instances-stopped-reporting');
    expect(byDefault.map((r) => r.instance_id)).toEqual(['quiet-90']);
    const ten = await rowsOf('/api/queries/instances-stopped-reporting?silent_minutes=10');
    expect(ten.map((r) => r.instance_id)).toEqual(['quiet-90', 'quiet-20']);
  });

  it('a String parameter with quotes stays one value (no row, no error)', async () => {
    expect(
      await rowsOf(
        `/api/queries/latest-status-of-instance?instance_id=${encodeURIComponent("x' OR 1=1 --")}`,
      ),
    ).toEqual([]);
    const [row] = await rowsOf('/api/queries/latest-status-of-instance?instance_id=quiet-20');
    expect(row).toMatchObject({ event_id: 'st-quiet-20', partition: 'prod-eu' });
  });

  it('/readyz is 200 once ClickHouse answers', async () => {
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });
});
