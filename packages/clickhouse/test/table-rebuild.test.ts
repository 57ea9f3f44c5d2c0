import { describe, expect, it } from 'vitest';
import {
  ClickHouseStoreError,
  finishStatements,
  groupRebuilds,
  lintMigration,
  loadMigrations,
  rebuildPhase,
  renderStatements,
  serverFeatures,
  sortingKeyOf,
  swapStatements,
  type TableRebuild,
  type TemplateContext,
  ttlCarryOver,
  ttlClauseOf,
} from '../src';

const SINGLE: TemplateContext = {
  database: 'opa',
  cluster: null,
  zookeeperPath: '/clickhouse/tables/{shard}/{database}/{table}',
  replicaName: '{replica}',
};
const CLUSTER: TemplateContext = { ...SINGLE, cluster: 'fleet', features: serverFeatures('26.9.2.1') };
const migration020 = loadMigrations().find((m) => m.version === 20)!;

function rebuildOf(ctx: TemplateContext): TableRebuild {
  const rebuilds = groupRebuilds(renderStatements(migration020.sql, ctx)).filter(
    (s): s is TableRebuild => typeof s !== 'string',
  );
  expect(rebuilds).toHaveLength(1);
  return rebuilds[0]!;
}

describe('020: prometheus_samples rebuilt sorted by report', () => {
  it('renders one rebuild: the replacement, then the view re-created and back-filled', () => {
    const r = rebuildOf(SINGLE);
    expect(r.table).toBe('prometheus_samples');
    expect(r.create).toMatch(/^CREATE TABLE IF NOT EXISTS opa\.prometheus_samples_rebuild\s/);
    expect(sortingKeyOf(r)).toBe('instance_id, received_at, event_id, seq');
    expect(r.after).toHaveLength(2);
    expect(r.after[0]).toBe('DROP TABLE IF EXISTS opa.instance_request_durations_mv');
    expect(r.after[1]).toMatch(
      /^CREATE MATERIALIZED VIEW IF NOT EXISTS opa\.instance_request_durations_mv\s/,
    );
    expect(r.after[1]).toContain('FROM opa.prometheus_samples\n');
    // The re-created view back-filled with its own SELECT, before the copy.
    expect(finishStatements(r, SINGLE)[2]).toMatch(
      /^INSERT INTO opa\.instance_request_durations SELECT[\s\S]*FROM opa\.prometheus_samples\n[\s\S]*GROUP BY instance_id, series, le$/,
    );
    // 18.16: no codecs, no LowCardinality in the replacement; current ClickHouse: both.
    expect(r.create).not.toMatch(/CODEC|LowCardinality/);
    expect(rebuildOf({ ...SINGLE, features: serverFeatures('26.9.2.1') }).create).toMatch(
      /label_values Array\(LowCardinality\(String\)\) CODEC\(ZSTD\(9\)\),\s+value Float64 CODEC\(ZSTD\(9\)\)/,
    );
  });

  it('swaps in one RENAME, copies, then drops the old table (single node)', () => {
    const r = rebuildOf(SINGLE);
    expect(swapStatements(r, SINGLE)[1]).toBe(
      'RENAME TABLE opa.prometheus_samples TO opa.prometheus_samples_before_rebuild, ' +
        'opa.prometheus_samples_rebuild TO opa.prometheus_samples',
    );
    expect(finishStatements(r, SINGLE).slice(-2)).toEqual([
      'INSERT INTO opa.prometheus_samples SELECT * FROM opa.prometheus_samples_before_rebuild',
      'DROP TABLE IF EXISTS opa.prometheus_samples_before_rebuild',
    ]);
  });

  it('in cluster mode: the local tables ON CLUSTER, the copy from every shard through the Distributed table', () => {
    const r = rebuildOf(CLUSTER);
    expect(r.create).toMatch(
      /^CREATE TABLE IF NOT EXISTS opa\.prometheus_samples_rebuild_local ON CLUSTER fleet[\s\S]*ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{shard\}\/opa\/prometheus_samples_rebuild_local', '\{replica\}'\)/,
    );
    expect(swapStatements(r, CLUSTER)[1]).toBe(
      'RENAME TABLE opa.prometheus_samples_local TO opa.prometheus_samples_local_before_rebuild, ' +
        'opa.prometheus_samples_rebuild_local TO opa.prometheus_samples_local ON CLUSTER fleet',
    );
    const finish = finishStatements(r, CLUSTER);
    expect(finish[0]).toBe('DROP TABLE IF EXISTS opa.instance_request_durations_mv_local ON CLUSTER fleet');
    expect(finish[1]).toMatch(
      /TO opa\.instance_request_durations_local AS[\s\S]*FROM opa\.prometheus_samples_local\n/,
    );
    // The back-fill through the Distributed tables (one run covers every shard).
    expect(finish[2]).toMatch(
      /^INSERT INTO opa\.instance_request_durations SELECT[\s\S]*FROM opa\.prometheus_samples\n/,
    );
    expect(finish.slice(-2)).toEqual([
      "INSERT INTO opa.prometheus_samples SELECT * FROM cluster('fleet', opa, prometheus_samples_local_before_rebuild)",
      'DROP TABLE IF EXISTS opa.prometheus_samples_local_before_rebuild ON CLUSTER fleet',
    ]);
  });

  it('reads what is left to do from the tables the server has', () => {
    const r = rebuildOf(SINGLE);
    const phase = (tables: Record<string, string>) =>
      rebuildPhase(r, SINGLE, new Map(Object.entries(tables)));
    expect(phase({ prometheus_samples: 'name, instance_id, received_at, event_id, seq' })).toBe('swap');
    // A runner died between CREATE and RENAME: swap (the CREATE is IF NOT EXISTS).
    expect(
      phase({
        prometheus_samples: 'name, instance_id, received_at, event_id, seq',
        prometheus_samples_rebuild: '',
      }),
    ).toBe('swap');
    expect(
      phase({
        prometheus_samples: 'instance_id, received_at, event_id, seq',
        prometheus_samples_before_rebuild: 'name, instance_id, received_at, event_id, seq',
      }),
    ).toBe('finish');
    expect(phase({ prometheus_samples: 'instance_id,received_at,  event_id, seq' })).toBe('done');
  });

  it('refuses a malformed rebuild (the lint reports it)', () => {
    const bad = (sql: string) => lintMigration({ version: 99, name: '099_bad', sql, checksum: '' }, SINGLE);
    expect(bad('{{after_rebuild prometheus_samples}} DROP TABLE IF EXISTS {{local x}};')[0]).toMatch(
      /without a \{\{rebuild prometheus_samples\}\}/,
    );
    expect(
      bad('{{rebuild prometheus_samples}} ALTER TABLE {{local prometheus_samples}} DELETE WHERE 1;')[0],
    ).toMatch(/must start a CREATE TABLE IF NOT EXISTS/);
    expect(() =>
      swapStatements(
        { table: 'prometheus_samples', create: 'CREATE TABLE IF NOT EXISTS opa.other ORDER BY x', after: [] },
        SINGLE,
      ),
    ).toThrow(ClickHouseStoreError);
    expect(lintMigration(migration020, SINGLE)).toEqual([]);
    expect(lintMigration(migration020, CLUSTER)).toEqual([]);
  });

  it('carries a retention TTL of the old table over to the new one', () => {
    // engine_full as current ClickHouse reports it after infra/bin/retention's MODIFY TTL; 18.16 has no TTL.
    const ttl = ttlClauseOf(
      'ReplacingMergeTree PARTITION BY toYYYYMM(received_at) ORDER BY (name, instance_id, received_at, event_id, seq) ' +
        'TTL received_at + toIntervalDay(35) SETTINGS index_granularity = 8192',
    );
    expect(ttl).toBe('received_at + toIntervalDay(35)');
    expect(
      ttlClauseOf(
        'ReplacingMergeTree PARTITION BY toYYYYMM(received_at) ORDER BY (name) SETTINGS index_granularity = 8192',
      ),
    ).toBeNull();
    expect(
      ttlClauseOf(
        'ReplacingMergeTree() PARTITION BY toYYYYMM(received_at) ORDER BY (name, seq) SETTINGS index_granularity = 8192',
      ),
    ).toBeNull();
    expect(ttlCarryOver(rebuildOf(CLUSTER), CLUSTER, ttl!)).toBe(
      'ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet MODIFY TTL received_at + toIntervalDay(35)',
    );
  });
});
