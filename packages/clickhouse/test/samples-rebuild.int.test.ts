// Migration 020 rebuilds prometheus_samples sorted by report (table-rebuild.ts): an install with rows in
// the old table upgrades without losing one, on 18.16 (the real server: concurrent runners, a runner that
// died after the swap) and on current ClickHouse (chDB: the statements the runner sends there, on data).
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StatusReport } from '@opa-fleet/contracts';
import { flattenStatus, STATUS_TABLES } from '@opa-fleet/flatten';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusFixture } from '../../flatten/test/fixture-records';
import {
  BatchWriter,
  type ClickHouseConfig,
  createClickHouseClient,
  DEFAULT_MIGRATIONS_DIR,
  fullRebuildStatements,
  groupRebuilds,
  loadMigrations,
  payloadBytes,
  renderStatements,
  runMigrations,
  STATUS_TABLE_SPECS,
  serverFeatures,
  swapStatements,
  TableBatch,
  type TableRebuild,
  type TableSpec,
  templateContext,
} from '../src';
import { type ChdbStep, chdbPython, runChdb } from './chdb-runner';
import {
  deliverReports,
  dropDatabase,
  queryRows,
  STATUS_SPECS_BEFORE_025,
  testConfig,
} from './clickhouse-test-db';

const REBUILD_VERSION = 20;
const NEW_KEY = 'instance_id, received_at, event_id, seq';
const OLD_KEY = 'name, instance_id, received_at, event_id, seq';
const T0 = Date.UTC(2026, 10, 20, 12) * 1000;

/** Status reports with http_request_duration_seconds buckets (what 018's view aggregates). */
function reports(prefix: string, count: number, from: number): StatusReport[] {
  return Array.from({ length: count }, (_, i) =>
    statusFixture(i % 2 === 0 ? 'status-full.json' : 'status-prometheus-protojson.json', null, {
      eventId: `${prefix}-${i}`,
      receivedAt: from + i * 60_000_000,
    }),
  );
}

/** The migrations before 020 (the schema an existing install has), in a directory of their own. */
function previousSchemaDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'migrations-before-020-'));
  cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
  for (const m of loadMigrations()) if (m.version >= REBUILD_VERSION) rmSync(join(dir, `${m.name}.sql`));
  return dir;
}

// Every sample row once (FINAL collapses a copy made twice) and a fingerprint of all their values.
const SAMPLES_SQL = (db: string) =>
  'SELECT toString(count()) AS rows, toString(sum(cityHash64(event_id, seq, instance_id, name, label_names, ' +
  `label_values, value, received_at_us, ifNull(timestamp_ms, -1)))) AS fingerprint FROM ${db}.prometheus_samples FINAL`;
const DURATIONS_SQL = (db: string) =>
  'SELECT instance_id, le, toString(maxMerge(last_sample_us)) AS last_us, argMaxMerge(latest_value) AS value ' +
  `FROM ${db}.instance_request_durations GROUP BY instance_id, series, le ORDER BY instance_id, le, value`;
const TABLES_SQL = (db: string) =>
  `SELECT name, sorting_key FROM system.tables WHERE database = '${db}' AND name LIKE 'prometheus_samples%' ORDER BY name`;

async function deliver(
  config: ClickHouseConfig,
  statuses: StatusReport[],
  specs: ReadonlyMap<string, TableSpec> = STATUS_TABLE_SPECS,
): Promise<void> {
  const client = createClickHouseClient(config);
  try {
    await deliverReports(
      new BatchWriter({ client, database: config.database, attempts: 1 }),
      statuses,
      [],
      [],
      [],
      [],
      specs,
    );
  } finally {
    await client.close();
  }
}

describe('020 on 18.16: an install with samples in the old table', () => {
  const config = testConfig('it_rebuild');
  const dir = previousSchemaDir();
  afterAll(async () => {
    await dropDatabase(config);
    rmSync(dir, { recursive: true, force: true });
  });

  it('three runners upgrading at once: the new sort key, every row, the view still fed', async () => {
    await runMigrations(config, { dir });
    await deliver(config, reports('before', 12, T0), STATUS_SPECS_BEFORE_025);
    expect(await queryRows(config, TABLES_SQL(config.database))).toEqual([
      { name: 'prometheus_samples', sorting_key: OLD_KEY },
    ]);
    const samples = await queryRows<{ rows: string }>(config, SAMPLES_SQL(config.database));
    const durations = await queryRows(config, DURATIONS_SQL(config.database));
    expect(Number(samples[0]!.rows)).toBeGreaterThan(100);
    expect(durations.length).toBeGreaterThan(0);

    const results = await Promise.all([runMigrations(config), runMigrations(config), runMigrations(config)]);
    for (const r of results)
      expect([...r.applied, ...r.alreadyApplied].map((m) => m.version)).toContain(REBUILD_VERSION);

    expect(await queryRows(config, TABLES_SQL(config.database))).toEqual([
      { name: 'prometheus_samples', sorting_key: NEW_KEY },
    ]);
    expect(await queryRows(config, SAMPLES_SQL(config.database))).toEqual(samples);
    expect(await queryRows(config, DURATIONS_SQL(config.database))).toEqual(durations);

    // The loaders' next rows land in the new table and reach the pre-aggregate through the re-created view.
    await deliver(config, reports('after', 2, T0 + 3_600_000_000));
    const after = await queryRows<{ rows: string }>(config, SAMPLES_SQL(config.database));
    expect(Number(after[0]!.rows)).toBeGreaterThan(Number(samples[0]!.rows));
    const latest = await queryRows<{ last_us: string }>(config, DURATIONS_SQL(config.database));
    expect(latest.map((d) => d.last_us)).toContain(String(T0 + 3_660_000_000));
  });

  it('a rerun changes nothing', async () => {
    const before = await queryRows(config, SAMPLES_SQL(config.database));
    const result = await runMigrations(config);
    expect(result.applied).toEqual([]);
    expect(await queryRows(config, SAMPLES_SQL(config.database))).toEqual(before);
    expect(await queryRows(config, TABLES_SQL(config.database))).toHaveLength(1);
  });
});

describe('020 on 18.16: a runner that died after the swap', () => {
  const config = testConfig('it_rebuild_died');
  const dir = previousSchemaDir();
  afterAll(async () => {
    await dropDatabase(config);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the next runner copies the old rows over and drops the old table', async () => {
    await runMigrations(config, { dir });
    await deliver(config, reports('old', 6, T0), STATUS_SPECS_BEFORE_025);
    const old = await queryRows<{ rows: string }>(config, SAMPLES_SQL(config.database));

    // What the dead runner did: the replacement created and swapped in, nothing more.
    const [migration] = loadMigrations().filter((m) => m.version === REBUILD_VERSION);
    const rebuild = groupRebuilds(renderStatements(migration!.sql, templateContext(config))).find(
      (s): s is TableRebuild => typeof s !== 'string',
    )!;
    const client = createClickHouseClient(config);
    try {
      for (const statement of swapStatements(rebuild, templateContext(config)))
        await client.command({ query: statement });
    } finally {
      await client.close();
    }
    // A loader kept writing meanwhile: into the new table.
    await deliver(config, reports('meanwhile', 2, T0 + 3_600_000_000), STATUS_SPECS_BEFORE_025);
    expect(await queryRows(config, TABLES_SQL(config.database))).toEqual([
      { name: 'prometheus_samples', sorting_key: NEW_KEY },
      { name: 'prometheus_samples_before_rebuild', sorting_key: OLD_KEY },
    ]);

    const result = await runMigrations(config);
    // 020 and every migration after it (the directory of the earlier runs stopped before 020).
    expect(result.applied.map((m) => m.version)).toEqual(
      loadMigrations()
        .map((m) => m.version)
        .filter((v) => v >= REBUILD_VERSION),
    );
    expect(await queryRows(config, TABLES_SQL(config.database))).toEqual([
      { name: 'prometheus_samples', sorting_key: NEW_KEY },
    ]);
    const rows = await queryRows<{ rows: string }>(config, SAMPLES_SQL(config.database));
    const meanwhile = await queryRows<{ rows: string }>(
      config,
      `SELECT toString(count()) AS rows FROM ${config.database}.prometheus_samples FINAL WHERE startsWith(event_id, 'meanwhile')`,
    );
    expect(Number(rows[0]!.rows)).toBe(Number(old[0]!.rows) + Number(meanwhile[0]!.rows));
    expect(Number(meanwhile[0]!.rows)).toBeGreaterThan(0);
    // The rows that arrived while no view read the new table reached the pre-aggregate (the back-fill).
    const latest = await queryRows<{ last_us: string }>(config, DURATIONS_SQL(config.database));
    expect(latest.map((d) => d.last_us)).toContain(String(T0 + 3_660_000_000));
  });
});

describe('020 on current ClickHouse (chDB): the same upgrade, rendered for that server', () => {
  const database = 'opa_rebuild';
  let bodies: string;
  let steps: { id: string; ok: boolean; rows?: unknown[]; error?: string }[] = [];
  let version = '';

  /** What the runner sends a server of `version` that has none of these migrations yet. */
  function migrationStatements(engine: string, which: (v: number) => boolean): string[] {
    const ctx = templateContext({ url: 'http://unused', database }, serverFeatures(engine));
    return loadMigrations()
      .filter((m) => which(m.version))
      .flatMap((m) => groupRebuilds(renderStatements(m.sql, ctx)))
      .flatMap((s) => (typeof s === 'string' ? [s] : fullRebuildStatements(s, ctx)));
  }

  function insertSteps(
    prefix: string,
    statuses: StatusReport[],
    specs: ReadonlyMap<string, TableSpec> = STATUS_TABLE_SPECS,
  ): ChdbStep[] {
    const batch = new TableBatch(specs);
    for (const status of statuses)
      batch.addAll(Object.entries(flattenStatus(status)) as [string, object[]][]);
    return STATUS_TABLES.filter((t) => batch.rowsOf(t) > 0).map((table) => {
      const payload = batch.payloadOf(table);
      const file = join(bodies, `${prefix}-${table}.${payload.format}`);
      writeFileSync(file, payloadBytes(payload));
      const columns = payload.columns ? ` (${payload.columns.join(', ')})` : '';
      return {
        id: `insert ${prefix} ${table}`,
        sql: `INSERT INTO ${database}.${table}${columns} FROM INFILE '${file}' FORMAT ${payload.format}`,
      };
    });
  }

  const check = (id: string, sql: string): ChdbStep => ({ id, sql, format: 'JSONEachRow' });

  beforeAll(async () => {
    bodies = mkdtempSync(join(tmpdir(), 'opa-rebuild-bodies-'));
    const python = await chdbPython();
    version = (await runChdb(python, [{ id: 'v', sql: 'SELECT 1' }])).engine_version;
    const run = await runChdb(python, [
      { id: 'database', sql: `CREATE DATABASE IF NOT EXISTS ${database}` },
      ...migrationStatements(version, (v) => v < REBUILD_VERSION).map((sql, i) => ({
        id: `old ddl #${i}`,
        sql,
      })),
      ...insertSteps('before', reports('before', 12, T0), STATUS_SPECS_BEFORE_025),
      check('tables before', TABLES_SQL(database)),
      check('samples before', SAMPLES_SQL(database)),
      check('durations before', DURATIONS_SQL(database)),
      ...migrationStatements(version, (v) => v >= REBUILD_VERSION).map((sql, i) => ({
        id: `020 #${i}`,
        sql,
      })),
      check('tables after', TABLES_SQL(database)),
      check('samples after', SAMPLES_SQL(database)),
      check('durations after', DURATIONS_SQL(database)),
      ...insertSteps('after', reports('after', 2, T0 + 3_600_000_000)),
      check('durations later', DURATIONS_SQL(database)),
      check(
        'codecs',
        `SELECT name, type, compression_codec FROM system.columns WHERE database = '${database}' AND table = 'prometheus_samples' AND name IN ('value', 'label_values', 'seq') ORDER BY name`,
      ),
    ]);
    steps = run.results as typeof steps;
  }, 300_000);

  afterAll(() => rmSync(bodies, { recursive: true, force: true }));

  const rowsOf = (id: string) => {
    const step = steps.find((s) => s.id === id);
    if (!step) throw new Error(`no step ${id}`);
    if (!step.ok) throw new Error(`${id} failed on ClickHouse ${version}: ${step.error}`);
    return step.rows ?? [];
  };

  it('every statement succeeds', () => {
    expect(steps.filter((s) => !s.ok).map((s) => `${s.id}: ${s.error}`)).toEqual([]);
  });

  it('sorts by report after the upgrade and keeps every row and every pre-aggregated value', () => {
    expect(rowsOf('tables before')).toEqual([{ name: 'prometheus_samples', sorting_key: OLD_KEY }]);
    expect(rowsOf('tables after')).toEqual([{ name: 'prometheus_samples', sorting_key: NEW_KEY }]);
    expect(Number((rowsOf('samples before')[0] as { rows: string }).rows)).toBeGreaterThan(100);
    expect(rowsOf('samples after')).toEqual(rowsOf('samples before'));
    expect(rowsOf('durations after')).toEqual(rowsOf('durations before'));
  });

  it('the re-created view feeds the pre-aggregate from the new table', () => {
    const latest = rowsOf('durations later') as { last_us: string }[];
    expect(latest.map((d) => d.last_us)).toContain(String(T0 + 3_660_000_000));
  });

  it('the new table has the compact columns', () => {
    expect(rowsOf('codecs')).toEqual([
      {
        name: 'label_values',
        type: 'Array(LowCardinality(String))',
        compression_codec: 'CODEC(ZSTD(9))',
      },
      { name: 'seq', type: 'UInt32', compression_codec: 'CODEC(Delta(4), ZSTD(3))' },
      { name: 'value', type: 'Float64', compression_codec: 'CODEC(ZSTD(9))' },
    ]);
  });
});
