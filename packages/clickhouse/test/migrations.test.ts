import { describe, expect, it } from 'vitest';
import { lintMigration, loadMigrations, renderStatements, templateContext } from '../src';

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
