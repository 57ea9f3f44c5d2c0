import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ClickHouseStoreError,
  DEFAULT_MIGRATIONS_DIR,
  dependsOnServerFeatures,
  loadMigrations,
  runMigrations,
} from '../src';
import { dropDatabase, queryRows, testConfig } from './clickhouse-test-db';
import { RecordingProxy } from './recording-proxy';

const config = testConfig('it_migrations');

afterAll(() => dropDatabase(config));

describe('runMigrations on the real ClickHouse', () => {
  it('applies every migration once when three loaders start at the same time', async () => {
    const results = await Promise.all([runMigrations(config), runMigrations(config), runMigrations(config)]);
    const expected = loadMigrations().map((m) => m.name);
    for (const r of results) expect([...r.applied, ...r.alreadyApplied].map((m) => m.name)).toEqual(expected);

    const recorded = await queryRows<{ version: number; name: string }>(
      config,
      `SELECT version, any(name) AS name FROM ${config.database}.schema_migrations GROUP BY version ORDER BY version`,
    );
    expect(recorded.map((r) => r.name)).toEqual(expected);

    const tables = await queryRows<{ name: string; engine: string }>(
      config,
      `SELECT name, engine FROM system.tables WHERE database = '${config.database}' ORDER BY name`,
    );
    expect(tables).toEqual(
      [
        { name: 'bundles', engine: 'ReplacingMergeTree' },
        { name: 'daily_active_instances', engine: 'View' },
        { name: 'decisions', engine: 'ReplacingMergeTree' },
        { name: 'latest_status', engine: 'View' },
        { name: 'plugins', engine: 'ReplacingMergeTree' },
        { name: 'prometheus_samples', engine: 'ReplacingMergeTree' },
        { name: 'releases', engine: 'ReplacingMergeTree' },
        { name: 'schema_migrations', engine: 'ReplacingMergeTree' },
        { name: 'status_reports', engine: 'ReplacingMergeTree' },
        { name: 'version_checks', engine: 'ReplacingMergeTree' },
        { name: 'version_reports', engine: 'ReplacingMergeTree' },
        // The pre-aggregates (015-019, 022, 024), each with the materialized view that feeds it.
        ...[
          'bundle_failures_hourly',
          'bundle_health_hourly',
          'daily_version_instances',
          'daily_version_instances_hll',
          'decision_verdicts_hourly',
          'decisions_per_hour_hll',
          'decisions_per_minute',
          'decisions_per_minute_hll',
          'instance_request_durations',
          'instance_status',
          'instance_versions',
          'partition_reports_per_minute',
          'version_checks_daily',
        ].flatMap((name) => [
          { name, engine: 'AggregatingMergeTree' },
          { name: `${name}_mv`, engine: 'MaterializedView' },
        ]),
        // The latest-report pre-aggregates (021): one row per instance once merged; (023): the same for
        // status reports; (024): decision id -> where the decision is, and the failed decisions by time.
        ...[
          'decision_errors',
          'decision_locations',
          'instance_latest_status',
          'instance_latest_versions',
          'instance_request_histograms',
        ].flatMap((name) => [
          { name, engine: 'ReplacingMergeTree' },
          { name: `${name}_mv`, engine: 'MaterializedView' },
        ]),
      ].sort((a, b) => (a.name < b.name ? -1 : 1)),
    );
  });

  it('applies nothing on a second run', async () => {
    const result = await runMigrations(config);
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toHaveLength(loadMigrations().length);
  });

  it('records the features each migration was rendered with (18.16: none)', async () => {
    const records = await queryRows<{ applied_by: string }>(
      config,
      `SELECT applied_by FROM ${config.database}.schema_migrations`,
    );
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => r.applied_by.endsWith(' features=none'))).toBe(true);
  });

  it('after a server upgrade, applies again (and records) only the migrations that depend on features', async () => {
    // The runner renders for a current server while the 18.16 server answers its reads (what it recorded);
    // its DDL and records are captured, not run (18.16 could not run the current rendering).
    const proxy = new RecordingProxy(config.url, (sql) => /^\s*SELECT\b/i.test(sql));
    try {
      const result = await runMigrations(
        { ...config, url: await proxy.start() },
        { serverVersion: '26.9.2.1' },
      );
      const featureDependent = loadMigrations()
        .filter(dependsOnServerFeatures)
        .map((m) => m.name);
      expect(featureDependent).toEqual([
        '010_compact_prometheus_samples',
        '011_compact_status_reports',
        '012_compact_bundles_plugins',
        '013_compact_version_reports_checks',
        '020_prometheus_samples_by_report',
        '025_prometheus_sample_units',
      ]);
      expect(result.applied.map((m) => m.name)).toEqual(featureDependent);
      // 025's ADD COLUMNs again (the 18.16 server already has the columns: "already exists" is done).
      const adds = proxy.statements.filter((s) => /^ALTER TABLE \S+\s+ADD COLUMN/.test(s.sql));
      expect(adds.map((s) => s.sql.replace(/\s+/g, ' '))).toEqual([
        `ALTER TABLE ${config.database}.prometheus_samples ADD COLUMN unit LowCardinality(String) CODEC(ZSTD(3))`,
        `ALTER TABLE ${config.database}.prometheus_samples ADD COLUMN created_timestamp_us Nullable(Int64) CODEC(Delta, ZSTD(3))`,
      ]);
      const alters = proxy.statements.filter((s) => /^ALTER TABLE/.test(s.sql) && !adds.includes(s));
      // prometheus_samples (010, 020 and 025), status_reports, bundles, plugins, version_reports, version_checks
      expect(alters.length).toBe(8);
      // 020's rebuild asked the 18.16 server its state and found it done: no table is created or renamed.
      expect(
        proxy.statements
          .map((s) => s.sql)
          .filter((sql) =>
            /^(CREATE TABLE IF NOT EXISTS \S+\.prometheus|RENAME|INSERT INTO \S+\s+SELECT)/.test(sql),
          ),
      ).toEqual([]);
      expect(alters.every((s) => /MODIFY COLUMN IF EXISTS/.test(s.sql))).toBe(true);
      const records = proxy.statements.filter((s) => /^INSERT INTO \S+\.schema_migrations/.test(s.sql));
      expect(records).toHaveLength(featureDependent.length);
      expect(records.every((s) => s.sql.includes('features=codecs,low_cardinality,ttl'))).toBe(true);
    } finally {
      await proxy.stop();
    }
  });

  it('gives prometheus_samples the unit and created timestamp columns (025), and adds them again as a no-op', async () => {
    const columns = async () =>
      queryRows<{ name: string; type: string; default_expression: string }>(
        config,
        `SELECT name, type, default_expression FROM system.columns WHERE database = '${config.database}' ` +
          `AND table = 'prometheus_samples' AND name IN ('unit', 'created_timestamp_us') ORDER BY name`,
      );
    const expected = [
      { name: 'created_timestamp_us', type: 'Nullable(Int64)', default_expression: '' },
      { name: 'unit', type: 'String', default_expression: '' },
    ];
    expect(await columns()).toEqual(expected);
    // A runner that died after 025's ALTERs and before its record applies the file again: here the same
    // statements as a later migration, on the table that already has the columns.
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    cpSync(join(dir, '025_prometheus_sample_units.sql'), join(dir, '999_prometheus_sample_units_again.sql'));
    const result = await runMigrations(config, { dir });
    expect(result.applied.map((m) => m.name)).toEqual(['999_prometheus_sample_units_again']);
    expect(await columns()).toEqual(expected);
  });

  it('refuses to run when an applied migration file was changed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    cpSync(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    writeFileSync(join(dir, '001_version_reports.sql'), '-- edited\nSELECT 1;\n');
    const error = await runMigrations(config, { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClickHouseStoreError);
    expect((error as ClickHouseStoreError).code).toBe('MIGRATION_CHANGED');
  });
});
