import { describe, expect, it } from 'vitest';
import {
  addsOneColumn,
  dependsOnServerFeatures,
  featureList,
  LEGACY_FEATURES,
  lintMigration,
  loadMigrations,
  parseServerVersion,
  renderStatements,
  serverFeatures,
  templateContext,
} from '../src';

const single = templateContext({ url: 'http://x', database: 'opa' });
const cluster = templateContext({ url: 'http://x', database: 'opa', cluster: 'fleet' });

describe('migration templates', () => {
  it('loads the schema migrations in version order with checksums', () => {
    const migrations = loadMigrations();
    expect(migrations.map((m) => m.version)).toEqual(
      [...migrations.map((m) => m.version)].sort((a, b) => a - b),
    );
    expect(migrations[0]!.name).toBe('001_version_reports');
    for (const m of migrations) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('every migration is idempotent in both modes (safe for concurrent runners)', () => {
    for (const m of loadMigrations()) {
      expect(lintMigration(m, single)).toEqual([]);
      expect(lintMigration(m, cluster)).toEqual([]);
    }
  });

  it('renders single-node tables with ReplacingMergeTree and drops the Distributed statement', () => {
    const sql =
      'CREATE TABLE IF NOT EXISTS {{local t}} {{on_cluster}} (a UInt8) ENGINE = {{replacing_merge_tree t}} ORDER BY a;\n{{distributed t rand()}};\n-- note\nCREATE VIEW IF NOT EXISTS {{table v}} AS SELECT a FROM {{table t}};';
    expect(renderStatements(sql, single)).toEqual([
      'CREATE TABLE IF NOT EXISTS opa.t  (a UInt8) ENGINE = ReplacingMergeTree() ORDER BY a',
      'CREATE VIEW IF NOT EXISTS opa.v AS SELECT a FROM opa.t',
    ]);
  });

  it('renders cluster mode with ON CLUSTER, Replicated engines on _local tables and a Distributed table', () => {
    const sql =
      'CREATE TABLE IF NOT EXISTS {{local t}} {{on_cluster}} (a UInt8) ENGINE = {{replacing_merge_tree t}} ORDER BY a;\n{{distributed t cityHash64(a)}};';
    expect(renderStatements(sql, cluster)).toEqual([
      "CREATE TABLE IF NOT EXISTS opa.t_local ON CLUSTER fleet (a UInt8) ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/opa/t_local', '{replica}') ORDER BY a",
      'CREATE TABLE IF NOT EXISTS opa.t ON CLUSTER fleet AS opa.t_local ENGINE = Distributed(fleet, opa, t_local, cityHash64(a))',
    ]);
  });

  it('renders pre-aggregates: AggregatingMergeTree, replicated per shard in cluster mode', () => {
    const sql = 'ENGINE = {{aggregating_merge_tree agg}};';
    expect(renderStatements(sql, single)).toEqual(['ENGINE = AggregatingMergeTree()']);
    expect(renderStatements(sql, cluster)).toEqual([
      "ENGINE = ReplicatedAggregatingMergeTree('/clickhouse/tables/{shard}/opa/agg_local', '{replica}')",
    ]);
  });

  it('renders a pre-aggregate view that reads and writes the local tables of its shard', () => {
    const sql =
      'CREATE MATERIALIZED VIEW IF NOT EXISTS {{local v_mv}} {{on_cluster}} TO {{local v}} AS SELECT a FROM {{local t}} GROUP BY a;';
    expect(renderStatements(sql, cluster)).toEqual([
      'CREATE MATERIALIZED VIEW IF NOT EXISTS opa.v_mv_local ON CLUSTER fleet TO opa.v_local AS SELECT a FROM opa.t_local GROUP BY a',
    ]);
  });

  it('uses a configured ZooKeeper path and replica name', () => {
    const ctx = templateContext({
      url: 'http://x',
      database: 'opa',
      cluster: 'c',
      zookeeperPath: '/zk/{shard}/{table}',
      replicaName: 'r1',
    });
    expect(renderStatements('{{replacing_merge_tree t}};', ctx)).toEqual([
      "ReplicatedReplacingMergeTree('/zk/{shard}/t_local', 'r1')",
    ]);
  });

  it('renders a replacing engine with its version column, single-node and replicated', () => {
    const sql = 'ENGINE = {{replacing_merge_tree t last_us}};';
    expect(renderStatements(sql, single)).toEqual(['ENGINE = ReplacingMergeTree(last_us)']);
    expect(renderStatements(sql, cluster)).toEqual([
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/opa/t_local', '{replica}', last_us)",
    ]);
    expect(() => renderStatements('{{replacing_merge_tree t a;b}}', single)).toThrow(/identifier/);
    expect(() => renderStatements('{{aggregating_merge_tree t a}};', single)).toThrow(/only a table/);
  });

  it('rejects database names that are not plain identifiers', () => {
    expect(() => renderStatements('{{table t}};', { ...single, database: 'x; DROP' })).toThrow(/identifier/);
  });

  it('flags a non-idempotent statement', () => {
    const problems = lintMigration(
      {
        version: 9,
        name: '009_bad',
        sql: 'CREATE TABLE {{local t}} (a UInt8) ENGINE = Memory;',
        checksum: '',
      },
      single,
    );
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/IF NOT EXISTS/);
  });
});

const CURRENT = serverFeatures('26.9.2.1');
const singleCurrent = templateContext({ url: 'http://x', database: 'opa' }, CURRENT);
const clusterCurrent = templateContext({ url: 'http://x', database: 'opa', cluster: 'fleet' }, CURRENT);

describe('server features', () => {
  it('reads them from the server version: 18.16 has none, current ClickHouse all', () => {
    expect(serverFeatures('18.16.1')).toEqual(LEGACY_FEATURES);
    expect(serverFeatures('26.9.2.1')).toEqual({ codecs: true, ttl: true, low_cardinality: true });
    expect(serverFeatures('19.6.1.1')).toEqual({ codecs: false, ttl: false, low_cardinality: true });
    expect(serverFeatures('20.3.1')).toEqual({ codecs: true, ttl: true, low_cardinality: true });
    expect(parseServerVersion('24.8.4.13-lts')).toEqual([24, 8]);
    expect(featureList(CURRENT)).toBe('codecs,low_cardinality,ttl');
    expect(featureList(LEGACY_FEATURES)).toBe('none');
  });

  it('refuses a version it cannot read', () => {
    expect(() => serverFeatures('')).toThrow(/cannot read a ClickHouse version/);
    expect(() => serverFeatures('latest')).toThrow(/cannot read a ClickHouse version/);
  });
});

describe('feature-aware placeholders', () => {
  const sql =
    'CREATE TABLE IF NOT EXISTS {{local t}} {{on_cluster}} (a {{low_cardinality String}}, b UInt64 {{codec Delta, ZSTD(3)}}) ENGINE = {{replacing_merge_tree t}} ORDER BY a;\n' +
    '{{requires codecs}} ALTER TABLE {{local t}} {{on_cluster}} MODIFY COLUMN IF EXISTS c String CODEC(ZSTD(3));\n' +
    '{{requires low_cardinality cluster}} ALTER TABLE {{table t}} {{on_cluster}} MODIFY COLUMN IF EXISTS a LowCardinality(String);';

  it('renders 18.16 (no context features) without codecs, LowCardinality or the feature-only statements', () => {
    expect(renderStatements(sql, single)).toEqual([
      'CREATE TABLE IF NOT EXISTS opa.t  (a String, b UInt64 ) ENGINE = ReplacingMergeTree() ORDER BY a',
    ]);
    expect(renderStatements(sql, cluster)).toHaveLength(1);
  });

  it('renders current ClickHouse with codecs, LowCardinality and the statements it has the features for', () => {
    expect(renderStatements(sql, singleCurrent)).toEqual([
      'CREATE TABLE IF NOT EXISTS opa.t  (a LowCardinality(String), b UInt64 CODEC(Delta, ZSTD(3))) ENGINE = ReplacingMergeTree() ORDER BY a',
      'ALTER TABLE opa.t  MODIFY COLUMN IF EXISTS c String CODEC(ZSTD(3))',
    ]);
  });

  it('renders cluster mode on current ClickHouse: the local table and, for `cluster`, the Distributed one', () => {
    expect(renderStatements(sql, clusterCurrent).slice(1)).toEqual([
      'ALTER TABLE opa.t_local ON CLUSTER fleet MODIFY COLUMN IF EXISTS c String CODEC(ZSTD(3))',
      'ALTER TABLE opa.t ON CLUSTER fleet MODIFY COLUMN IF EXISTS a LowCardinality(String)',
    ]);
  });

  it('refuses an unknown feature and empty arguments', () => {
    expect(() => renderStatements('{{requires zstd}} SELECT 1;', singleCurrent)).toThrow(
      /unknown server feature/,
    );
    expect(() => renderStatements('{{requires}} SELECT 1;', singleCurrent)).toThrow(/at least one feature/);
    expect(() => renderStatements('SELECT 1 {{codec}};', singleCurrent)).toThrow(/codec list/);
  });

  it('the compact-storage migrations (010-013) are no-ops on 18.16 and ALTERs on current ClickHouse', () => {
    const compact = loadMigrations().filter((m) => m.version >= 10 && m.version <= 13);
    expect(compact.map((m) => m.version)).toEqual([10, 11, 12, 13]);
    for (const m of compact) {
      expect(dependsOnServerFeatures(m)).toBe(true);
      expect(renderStatements(m.sql, single), m.name).toEqual([]);
      expect(renderStatements(m.sql, cluster), m.name).toEqual([]);
      const current = renderStatements(m.sql, singleCurrent);
      expect(current.length, m.name).toBeGreaterThan(0);
      expect(
        current.every((s) => /^ALTER TABLE opa\.\w+\s+MODIFY COLUMN IF EXISTS/.test(s)),
        m.name,
      ).toBe(true);
      const inCluster = renderStatements(m.sql, clusterCurrent);
      expect(
        inCluster.every((s) => / ON CLUSTER fleet\s/.test(s)),
        m.name,
      ).toBe(true);
      expect(
        inCluster.some((s) => /^ALTER TABLE opa\.\w+_local ON CLUSTER/.test(s)),
        m.name,
      ).toBe(true);
      expect(lintMigration(m, singleCurrent)).toEqual([]);
      expect(lintMigration(m, clusterCurrent)).toEqual([]);
    }
    expect(dependsOnServerFeatures(loadMigrations()[0]!)).toBe(false);
  });

  it('025 adds the sample columns one ALTER each on the local tables and, in cluster mode, creates the Distributed one again', () => {
    const m = loadMigrations().find((x) => x.version === 25)!;
    expect(renderStatements(m.sql, single).map((s) => s.replace(/\s+/g, ' '))).toEqual([
      'ALTER TABLE opa.prometheus_samples ADD COLUMN unit String',
      'ALTER TABLE opa.prometheus_samples ADD COLUMN created_timestamp_us Nullable(Int64)',
    ]);
    // 18.16 refuses ALTER ... ON CLUSTER of the (unreplicated) Distributed table: it is created again.
    expect(renderStatements(m.sql, cluster).map((s) => s.replace(/\s+/g, ' '))).toEqual([
      'ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet ADD COLUMN unit String',
      'ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet ADD COLUMN created_timestamp_us Nullable(Int64)',
      'DROP TABLE IF EXISTS opa.prometheus_samples ON CLUSTER fleet',
      'CREATE TABLE IF NOT EXISTS opa.prometheus_samples ON CLUSTER fleet AS opa.prometheus_samples_local ENGINE = Distributed(fleet, opa, prometheus_samples_local, cityHash64(instance_id))',
    ]);
    const current = renderStatements(m.sql, clusterCurrent).map((s) => s.replace(/\s+/g, ' '));
    expect(current.slice(0, 2)).toEqual([
      'ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet ADD COLUMN unit LowCardinality(String) CODEC(ZSTD(3))',
      'ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet ADD COLUMN created_timestamp_us Nullable(Int64) CODEC(Delta, ZSTD(3))',
    ]);
    expect(current[2]).toMatch(
      /^ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet MODIFY COLUMN IF EXISTS/,
    );
    expect(current.slice(3)).toEqual([
      'DROP TABLE IF EXISTS opa.prometheus_samples ON CLUSTER fleet',
      'CREATE TABLE IF NOT EXISTS opa.prometheus_samples ON CLUSTER fleet AS opa.prometheus_samples_local ENGINE = Distributed(fleet, opa, prometheus_samples_local, cityHash64(instance_id))',
    ]);
    for (const ctx of [single, cluster, singleCurrent, clusterCurrent])
      expect(lintMigration(m, ctx)).toEqual([]);
  });

  it('takes only an ALTER that adds exactly one column, and nothing else, as rerunnable', () => {
    expect(
      addsOneColumn('ALTER TABLE db.t ON CLUSTER c ADD COLUMN x Nullable(Int64) CODEC(Delta, ZSTD(3))'),
    ).toBe(true);
    expect(addsOneColumn('ALTER TABLE db.t ADD COLUMN x String, ADD COLUMN y String')).toBe(false);
    expect(addsOneColumn('ALTER TABLE db.t ADD COLUMN x String, DROP COLUMN y')).toBe(false);
    expect(addsOneColumn('ALTER TABLE db.t DROP COLUMN x')).toBe(false);
    expect(addsOneColumn('CREATE TABLE db.t (x String) ENGINE = Memory')).toBe(false);
    const twoColumns = lintMigration(
      {
        version: 9,
        name: '009_bad',
        sql: 'ALTER TABLE {{local t}} ADD COLUMN a UInt8, ADD COLUMN b UInt8;',
        checksum: '',
      },
      single,
    );
    expect(twoColumns).toHaveLength(1);
  });
});
