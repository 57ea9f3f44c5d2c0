// Retention on both servers: on 18.16 (the real server) the expired monthly partitions are dropped and
// nothing else; on current ClickHouse (chDB) the rendered TTL deletes the expired rows in a merge, and
// REMOVE TTL takes it off again.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyRetention,
  type ClickHouseConfig,
  createClickHouseClient,
  loadMigrations,
  parseRetentionPolicy,
  renderStatements,
  runMigrations,
  serverFeatures,
  templateContext,
  ttlStatements,
} from '../src';
import { type ChdbRun, chdbPython, runChdb } from './chdb-runner';
import { dropDatabase, queryRows } from './clickhouse-test-db';

const SERVER_URL = process.env.CLICKHOUSE_URL;
const DATABASE = `it_retention_${randomBytes(4).toString('hex')}`;
const NOW = Date.UTC(2026, 11, 1, 10, 0, 0) / 1000; // 2026-12-01 10:00 UTC
const DAY = 86_400;
/** Rows at these ages (days before NOW): months 2026-08, 2026-09, 2026-10, 2026-11 and 2026-12. */
const AGES = [110, 75, 40, 20, 0.1];
const POLICY = parseRetentionPolicy('prometheus_samples=30');

const config = (): ClickHouseConfig => ({ url: SERVER_URL!, database: DATABASE });

const insertSql = (db: string, table: string) =>
  `INSERT INTO ${db}.${table} (event_id, seq, received_at, received_at_us, instance_id) VALUES ` +
  AGES.map(
    (age, i) =>
      `('e${i}', 0, ${Math.floor(NOW - age * DAY)}, ${Math.floor(NOW - age * DAY) * 1_000_000}, 'i')`,
  ).join(', ');

const monthsSql = (db: string, table: string) =>
  `SELECT toYYYYMM(received_at) AS month, count() AS n FROM ${db}.${table} GROUP BY month ORDER BY month`;

let dryRun: Awaited<ReturnType<typeof applyRetention>>;
let applied: Awaited<ReturnType<typeof applyRetention>>;
let chdb: ChdbRun;
let ttlDdl: string[];

beforeAll(async () => {
  if (!SERVER_URL) throw new Error('CLICKHOUSE_URL is not set (the integration global setup provides it)');
  const python = chdbPython();
  await runMigrations(config());
  const client = createClickHouseClient(config());
  try {
    for (const table of ['prometheus_samples', 'status_reports'])
      await client.command({ query: insertSql(DATABASE, table) });
  } finally {
    await client.close();
  }
  dryRun = await applyRetention(config(), POLICY, { nowSeconds: NOW, dryRun: true });
  applied = await applyRetention(config(), POLICY, { nowSeconds: NOW });

  // Current ClickHouse: the schema as the runner renders it there, then the TTL statements the command sends.
  const ctx = templateContext({ url: 'http://unused', database: 'r' }, serverFeatures('26.9'));
  ttlDdl = ttlStatements(POLICY, ctx, new Set());
  const remove = ttlStatements(new Map(), ctx, new Set(['prometheus_samples']));
  const hasTtl = (id: string) => ({
    id,
    sql: "SELECT name, position(create_table_query, ' TTL ') > 0 AS ttl FROM system.tables WHERE database = 'r' AND name IN ('prometheus_samples', 'status_reports') ORDER BY name",
    format: 'JSONEachRow' as const,
  });
  chdb = await runChdb(await python, [
    { id: 'db', sql: 'CREATE DATABASE r' },
    ...loadMigrations()
      .flatMap((m) => renderStatements(m.sql, ctx))
      .map((sql, i) => ({ id: `ddl #${i}`, sql })),
    { id: 'insert samples', sql: insertSql('r', 'prometheus_samples') },
    { id: 'insert reports', sql: insertSql('r', 'status_reports') },
    ...ttlDdl.map((sql, i) => ({ id: `ttl #${i}`, sql })),
    hasTtl('has ttl'),
    { id: 'optimize samples', sql: 'OPTIMIZE TABLE r.prometheus_samples FINAL' },
    { id: 'optimize reports', sql: 'OPTIMIZE TABLE r.status_reports FINAL' },
    { id: 'samples months', sql: monthsSql('r', 'prometheus_samples'), format: 'JSONEachRow' },
    { id: 'reports months', sql: monthsSql('r', 'status_reports'), format: 'JSONEachRow' },
    ...remove.map((sql, i) => ({ id: `remove #${i}`, sql })),
    hasTtl('has ttl after remove'),
  ]);
}, 600_000);

afterAll(async () => {
  if (SERVER_URL) await dropDatabase(config());
});

const rowsOf = (id: string) => {
  const r = chdb.results.find((x) => x.id === id)!;
  if (!r.ok) throw new Error(`${id}: ${r.error}`);
  return r.rows ?? [];
};

describe('retention on 18.16: expired monthly partitions dropped', () => {
  it('a dry run names the expired months of the tables with a retention and changes nothing', () => {
    expect(dryRun.map((a) => a.statement)).toEqual([
      `ALTER TABLE ${DATABASE}.prometheus_samples  DROP PARTITION 202608`,
      `ALTER TABLE ${DATABASE}.prometheus_samples  DROP PARTITION 202609`,
      `ALTER TABLE ${DATABASE}.prometheus_samples  DROP PARTITION 202610`,
    ]);
    expect(applied).toEqual(dryRun);
  });

  it('keeps the months that may hold rows younger than 30 days, and every table without a retention', async () => {
    const months = async (table: string) =>
      (await queryRows<{ month: number; n: string }>(config(), monthsSql(DATABASE, table))).map((r) =>
        Number(r.month),
      );
    expect(await months('prometheus_samples')).toEqual([202611, 202612]);
    expect(await months('status_reports')).toEqual([202608, 202609, 202610, 202611, 202612]);
  });

  it('running it again finds nothing more to drop', async () => {
    expect(await applyRetention(config(), POLICY, { nowSeconds: NOW })).toEqual([]);
  });
});

describe('retention on current ClickHouse: TTL', () => {
  it('sets a TTL on the tables with a retention only', () => {
    expect(ttlDdl).toEqual(['ALTER TABLE r.prometheus_samples  MODIFY TTL received_at + INTERVAL 30 DAY']);
    expect(chdb.results.filter((r) => !r.ok).map((r) => r.id)).toEqual([]);
    expect(rowsOf('has ttl').map((r) => [r.name, Number(r.ttl)])).toEqual([
      ['prometheus_samples', 1],
      ['status_reports', 0],
    ]);
  });

  it('the server deletes the rows older than the retention (row by row, not by month)', () => {
    // Wall-clock now is after NOW, so every row older than 30 days before now is gone.
    const kept = rowsOf('samples months').map((r) => Number(r.month));
    expect(kept.every((m) => m >= 202611)).toBe(true);
    expect(kept).toContain(202612);
    expect(rowsOf('reports months').map((r) => Number(r.month))).toEqual([
      202608, 202609, 202610, 202611, 202612,
    ]);
  });

  it('REMOVE TTL takes it off again (RETENTION_DAYS set back to keep)', () => {
    expect(rowsOf('has ttl after remove').map((r) => Number(r.ttl))).toEqual([0, 0]);
  });
});
