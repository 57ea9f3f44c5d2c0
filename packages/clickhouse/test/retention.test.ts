import { describe, expect, it } from 'vitest';
import {
  dropPartitionStatements,
  expiredPartitions,
  parseRetentionPolicy,
  RETENTION_TABLES,
  serverFeatures,
  templateContext,
  ttlStatements,
} from '../src';

const current = serverFeatures('26.9.2.1');
const single = templateContext({ url: 'http://x', database: 'opa' }, current);
const cluster = templateContext({ url: 'http://x', database: 'opa', cluster: 'fleet' }, current);
const legacyCluster = templateContext({ url: 'http://x', database: 'opa', cluster: 'fleet' });

describe('retention policy (RETENTION_DAYS)', () => {
  it('keeps everything by default', () => {
    expect(parseRetentionPolicy('')).toEqual(new Map());
  });

  it('reads table=days pairs, `*` for the tables not named, 0 and keep for keep-everything', () => {
    const policy = parseRetentionPolicy('prometheus_samples=35, bundles=90,*=400,decisions=keep,plugins=0');
    expect(policy.get('prometheus_samples')).toBe(35);
    expect(policy.get('bundles')).toBe(90);
    expect(policy.get('status_reports')).toBe(400);
    expect(policy.has('decisions')).toBe(false);
    expect(policy.has('plugins')).toBe(false);
    expect([...policy.keys()].every((t) => RETENTION_TABLES.has(t))).toBe(true);
  });

  it('refuses unknown tables, malformed pairs and absurd numbers with a precise message', () => {
    expect(() => parseRetentionPolicy('samples=30')).toThrow(/samples: not a table with a retention/);
    expect(() => parseRetentionPolicy('bundles=-1')).toThrow(/"bundles=-1" is not table=days/);
    expect(() => parseRetentionPolicy('bundles')).toThrow(/not table=days/);
    expect(() => parseRetentionPolicy('bundles=99999')).toThrow(/more than 36500/);
  });
});

describe('TTL statements (current ClickHouse)', () => {
  const policy = parseRetentionPolicy('prometheus_samples=35,decisions=30');

  it('single node: MODIFY TTL on each kept table, REMOVE TTL where the policy now keeps everything', () => {
    expect(ttlStatements(policy, single, new Set(['bundles', 'prometheus_samples']))).toEqual([
      'ALTER TABLE opa.bundles  REMOVE TTL',
      'ALTER TABLE opa.prometheus_samples  MODIFY TTL received_at + INTERVAL 35 DAY',
      'ALTER TABLE opa.decisions  MODIFY TTL decided_at + INTERVAL 30 DAY',
    ]);
  });

  it('cluster mode: on the _local tables, ON CLUSTER', () => {
    expect(ttlStatements(policy, cluster, new Set())).toEqual([
      'ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet MODIFY TTL received_at + INTERVAL 35 DAY',
      'ALTER TABLE opa.decisions_local ON CLUSTER fleet MODIFY TTL decided_at + INTERVAL 30 DAY',
    ]);
  });
});

describe('expired monthly partitions (18.16)', () => {
  const now = Date.UTC(2026, 11, 1, 10, 0, 0) / 1000; // 2026-12-01 10:00 UTC

  it('drops a month only once its last day is older than the retention', () => {
    const partitions = ['202609', '202610', '202611', '202612', 'tuple()'];
    // 30 days: cutoff 2026-11-01 10:00; October ended at 2026-11-01 00:00.
    expect(expiredPartitions(partitions, 30, now)).toEqual(['202609', '202610']);
    // 31 days: cutoff 2026-10-31 10:00; October is not over before it.
    expect(expiredPartitions(partitions, 31, now)).toEqual(['202609']);
    // 1 day: cutoff 2026-11-30 10:00; November's last rows may be younger than that.
    expect(expiredPartitions(partitions, 1, now)).toEqual(['202609', '202610']);
    expect(expiredPartitions(partitions, 1, now + 86_400)).toEqual(['202609', '202610', '202611']);
    expect(expiredPartitions(['202612', '202611'], 400, now)).toEqual([]);
  });

  it('renders DROP PARTITION on the table, or on the _local tables ON CLUSTER', () => {
    expect(
      dropPartitionStatements('bundles', ['202609'], templateContext({ url: 'http://x', database: 'opa' })),
    ).toEqual(['ALTER TABLE opa.bundles  DROP PARTITION 202609']);
    expect(dropPartitionStatements('prometheus_samples', ['202609', '202610'], legacyCluster)).toEqual([
      'ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet DROP PARTITION 202609',
      'ALTER TABLE opa.prometheus_samples_local ON CLUSTER fleet DROP PARTITION 202610',
    ]);
  });
});
