import { describe, expect, it } from 'vitest';
import { backfillStatement, loadMigrations, planBackfill, templateContext } from '../src';
import { backfillConfigFromEnv } from '../src/backfill-cli';

const single = templateContext({ url: 'http://x', database: 'opa' });
const cluster = templateContext({ url: 'http://x', database: 'opa', cluster: 'fleet' });

const migration = (sql: string) => ({ version: 1, name: '001_x', sql, checksum: '' });
const TEMPLATE = `
CREATE TABLE IF NOT EXISTS {{local src}} {{on_cluster}} (a String, received_at DateTime)
ENGINE = {{replacing_merge_tree src}} PARTITION BY toYYYYMM(received_at) ORDER BY a;
CREATE TABLE IF NOT EXISTS {{local agg}} {{on_cluster}} (a String, n AggregateFunction(uniq, String))
ENGINE = {{aggregating_merge_tree agg}} ORDER BY a;
CREATE MATERIALIZED VIEW IF NOT EXISTS {{local agg_mv}} {{on_cluster}} TO {{local agg}} AS
SELECT a, uniqState(a) AS n FROM {{local src}} WHERE a != '' GROUP BY a;
{{distributed agg cityHash64(a)}};
`;

describe('pre-aggregate backfill plan', () => {
  it('one step per materialized view, in migration order, from the real migrations', () => {
    const steps = planBackfill(loadMigrations(), single);
    expect(steps.map((s) => s.target)).toEqual([
      'opa.daily_version_instances',
      'opa.instance_versions',
      'opa.instance_status',
      'opa.partition_reports_per_minute',
      'opa.bundle_failures_hourly',
      'opa.bundle_health_hourly',
      'opa.instance_request_durations',
      'opa.version_checks_daily',
      'opa.decisions_per_minute',
      'opa.instance_latest_versions',
      'opa.instance_request_histograms',
      'opa.daily_version_instances_hll',
      'opa.decisions_per_minute_hll',
      'opa.instance_latest_status',
      'opa.decisions_per_hour_hll',
      'opa.decision_verdicts_hourly',
      'opa.decision_locations',
      'opa.decision_errors',
    ]);
    expect(steps.find((s) => s.target === 'opa.decisions_per_minute')!.partitionExpression).toBe(
      'toYYYYMM(decided_at)',
    );
    // A view with a WHERE of its own and nested aggregates (021): the month goes before its condition.
    const histograms = steps.find((s) => s.target === 'opa.instance_request_histograms')!;
    const statement = backfillStatement(histograms, '202612').replace(/\s+/g, ' ');
    expect(statement).toMatch(/^INSERT INTO opa\.instance_request_histograms SELECT instance_id, /);
    expect(statement).toContain(
      "FROM opa.prometheus_samples WHERE (toYYYYMM(received_at) = 202612) AND (name = 'http_request_duration_seconds_bucket') GROUP BY instance_id, received_at_us",
    );
    for (const s of steps) expect(s.partitionExpression).toMatch(/^toYYYYMM\(\w+\)$/);
  });

  it('single node: the view SELECT into its target, one month of the source at a time', () => {
    const [step] = planBackfill([migration(TEMPLATE)], single);
    expect(step).toMatchObject({ view: 'opa.agg_mv', target: 'opa.agg', source: 'opa.src' });
    expect(backfillStatement(step!, '202612').replace(/\s+/g, ' ')).toBe(
      "INSERT INTO opa.agg SELECT a, uniqState(a) AS n FROM opa.src WHERE (toYYYYMM(received_at) = 202612) AND (a != '') GROUP BY a",
    );
    expect(backfillStatement(step!, null).replace(/\s+/g, ' ')).toBe(
      "INSERT INTO opa.agg SELECT a, uniqState(a) AS n FROM opa.src WHERE a != '' GROUP BY a",
    );
  });

  it('cluster mode: through the Distributed tables, so one run covers every shard', () => {
    const [step] = planBackfill([migration(TEMPLATE)], cluster);
    expect(step).toMatchObject({
      view: 'opa.agg_mv_local',
      target: 'opa.agg',
      source: 'opa.src',
      partitionExpression: 'toYYYYMM(received_at)',
    });
    expect(backfillStatement(step!, '202611')).toContain(
      'FROM opa.src WHERE (toYYYYMM(received_at) = 202611)',
    );
    expect(backfillStatement(step!, '202611')).not.toContain('_local');
  });

  it('a view without a WHERE gets the month filter before its GROUP BY', () => {
    const [step] = planBackfill([migration(TEMPLATE.replace(" WHERE a != ''", ''))], single);
    expect(backfillStatement(step!, '202612').replace(/\s+/g, ' ')).toContain(
      'FROM opa.src WHERE toYYYYMM(received_at) = 202612 GROUP BY a',
    );
  });

  it('refuses a partition that is not a month number (it is spliced into SQL)', () => {
    const [step] = planBackfill([migration(TEMPLATE)], single);
    expect(() => backfillStatement(step!, '1; DROP TABLE x')).toThrow(/not a month number/);
  });
});

describe('backfill command configuration', () => {
  it('takes the loaders variables, with the defaults the loaders have', () => {
    expect(backfillConfigFromEnv({})).toEqual({
      config: {
        url: 'http://127.0.0.1:8123',
        username: 'default',
        password: '',
        database: 'opa',
        cluster: null,
        requestTimeoutMs: 1_800_000,
      },
      problems: [],
    });
    expect(
      backfillConfigFromEnv({ CLICKHOUSE_CLUSTER: 'fleet', CLICKHOUSE_REPLICA: 'r1' }).config,
    ).toMatchObject({
      cluster: 'fleet',
      replicaName: 'r1',
    });
  });

  it('names every bad variable at once', () => {
    const { problems } = backfillConfigFromEnv({
      CLICKHOUSE_URL: 'not a url',
      CLICKHOUSE_DATABASE: 'x; DROP',
      CLICKHOUSE_REQUEST_TIMEOUT_MS: '-1',
    });
    expect(problems).toHaveLength(3);
    expect(problems.join(' ')).toMatch(/CLICKHOUSE_URL.*CLICKHOUSE_DATABASE.*CLICKHOUSE_REQUEST_TIMEOUT_MS/);
  });
});
