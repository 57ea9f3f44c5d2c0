// Every documented analyst query (schemas/clickhouse/queries/*.sql, shown in the README) and view,
// run against the real ClickHouse with known data that includes redelivered (duplicated) reports.
import {
  type DecisionEvent,
  normalizeDecisionChunk,
  type ReleaseInfo,
  type TelemetryReport,
  type VersionCheck,
} from '@opa-fleet/contracts';
import { flattenStatus, STATUS_TABLES } from '@opa-fleet/flatten';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusFixture } from '../../flatten/test/fixture-records';
import {
  BatchWriter,
  bindQueryParams,
  createClickHouseClient,
  LOADER_TABLES,
  loadAnalystQueries,
  runMigrations,
} from '../src';
import { deliverReports, dropDatabase, queryRows, telemetryReport, testConfig } from './clickhouse-test-db';

const config = testConfig('it_queries');
const queries = loadAnalystQueries();
const client = createClickHouseClient(config);
const writer = new BatchWriter({ client, database: config.database, tableOrder: LOADER_TABLES });

const MIN = 60_000_000; // micros
const NOW = Math.floor(Date.now() / 1000) * 1_000_000;

const telemetry = (id: string, version: string, heap: number, agoMicros: number): TelemetryReport =>
  telemetryReport(id, version, heap, NOW - agoMicros);

const VERSION_REPORTS = {
  aOld: telemetry('A', 'v0.12.3', 100, 120 * MIN),
  aNew: telemetry('A', 'v0.19.2', 300, 10 * MIN),
  b: telemetry('B', '0.19.2', 200, 60 * MIN),
  c: telemetry('C', 'v0.18.0', 50, 30 * MIN),
  dStale: telemetry('D', 'v0.12.3', 999, 3 * 24 * 60 * MIN),
  // Builds: `edge`, and a prerelease reported with a `v`.
  eEdge: telemetry('E', 'edge', 10, 2 * 24 * 60 * MIN),
  fDev: telemetry('F', 'v0.20.0-dev', 20, 2 * 24 * 60 * MIN),
};

/** What analysts group by: the reported version without a leading `v`. */
const normalized = (version: string) => version.replace(/^v/, '');

const release = (tag: string, agoMicros: number): ReleaseInfo => ({
  channel: 'latest',
  tag,
  release_notes: `https://github.com/open-policy-agent/opa/releases/tag/${tag}`,
  download_base: 'https://openpolicyagent.org/downloads',
  published_at: null,
  source: 'file',
  updated_at: NOW - agoMicros,
});

const versionCheck = (
  eventId: string,
  agoMicros: number,
  tag: string | null,
  notModified = false,
): VersionCheck => ({
  event_id: eventId,
  received_at: NOW - agoMicros,
  gateway_id: 'gw',
  repository: 'open-policy-agent/opa',
  endpoint: 'latest',
  user_agent: 'OPA-Version-Checker',
  answered_tag: tag,
  not_modified: notModified,
});

const DAY = 24 * 60 * MIN;
const VERSION_CHECKS = {
  today: versionCheck('chk-1', 0, 'v0.19.2'),
  todayRevalidated: versionCheck('chk-2', 0, 'v0.19.2', true),
  // Before any release was known: answered 503, still counted.
  twoDaysAgo: versionCheck('chk-3', 2 * DAY, null),
  longAgo: versionCheck('chk-4', 40 * DAY, 'v0.18.0'),
};

/** A decision as the tests describe it; the instance is `inst-<first letter of the id>`. */
interface KnownDecision {
  id: string;
  path: string | null;
  ago: number;
  /** OPA's result (default true); undefined: OPA logged none (an error, or an undefined decision). */
  result?: unknown;
  error?: unknown;
  /** Bundle name -> revision (default {authz: 'r1'}). */
  bundles?: Record<string, string>;
  /** The deprecated single-bundle `revision` field. */
  revision?: string;
  evalNs?: number;
}

const instanceOf = (d: KnownDecision) => `inst-${d.id.slice(0, 1)}`;

/** Decisions as OPA uploads them; `uploadId` tells two uploads of the same events apart (new event ids). */
function decisions(uploadId: string, events: KnownDecision[]): DecisionEvent[] {
  let n = 0;
  const chunk = normalizeDecisionChunk(
    events.map((e) => ({
      labels: { id: instanceOf(e), version: '1.22.3' },
      decision_id: e.id,
      ...(e.path === null ? { query: 'data.x = y' } : { path: e.path }),
      timestamp: new Date((NOW - e.ago) / 1000).toISOString(),
      ...('result' in e ? (e.result === undefined ? {} : { result: e.result }) : { result: true }),
      ...(e.error ? { error: e.error } : {}),
      ...(e.revision
        ? { revision: e.revision }
        : {
            bundles: Object.fromEntries(
              Object.entries(e.bundles ?? { authz: 'r1' }).map(([name, revision]) => [name, { revision }]),
            ),
          }),
      metrics: {
        counter_server_query_cache_hit: 1,
        ...(e.evalNs === undefined ? {} : { timer_rego_query_eval_ns: e.evalNs }),
        timer_server_handler_ns: 900_000,
      },
    })),
    { receivedAt: NOW, gatewayId: 'gw', partition: null },
    () => `${uploadId}-${n++}`,
  );
  return chunk.events;
}
const EVAL_ERROR = {
  code: 'eval_conflict_error',
  message: 'complete rules must not produce multiple outputs',
};
// ast.Errors (a compile error) is logged as a list.
const COMPILE_ERRORS = [
  { code: 'rego_type_error', message: 'undefined ref: data.lib.x', location: { file: 'a.rego', row: 3 } },
  { code: 'rego_type_error', message: 'second error' },
];
const D = {
  a1: { id: 'a1', path: 'authz/allow', ago: 5 * MIN, evalNs: 10_000 },
  a2: { id: 'a2', path: 'authz/allow', ago: 10 * MIN, result: false, evalNs: 20_000 },
  b1: {
    id: 'b1',
    path: 'authz/allow',
    ago: 15 * MIN,
    result: undefined,
    error: EVAL_ERROR,
    bundles: { authz: 'r2' },
    evalNs: 30_000,
  },
  b2: { id: 'b2', path: null, ago: 20 * MIN, result: [{ y: 1 }], bundles: {}, evalNs: 400 },
  a4: {
    id: 'a4',
    path: 'httpapi/authz',
    ago: 30 * MIN,
    result: { allow: true, reasons: [] },
    bundles: { authz: 'r2', data: 'd1' },
    evalNs: 600,
  },
  b3: {
    id: 'b3',
    path: 'httpapi/authz',
    ago: 40 * MIN,
    result: { allow: false, reasons: ['not an admin'] },
    bundles: { authz: 'r2' },
    evalNs: 700,
  },
  b5: { id: 'b5', path: 'rbac/allow', ago: 50 * MIN, result: undefined, error: COMPILE_ERRORS },
  a3: { id: 'a3', path: 'authz/allow', ago: 90 * MIN, evalNs: 40_000 },
  a6: { id: 'a6', path: 'rbac/allow', ago: 100 * MIN, result: undefined, error: EVAL_ERROR },
  // An OPA without bundle names in its log (the deprecated single `revision`).
  a7: { id: 'a7', path: 'authz/allow', ago: 110 * MIN, revision: 'legacy-7', evalNs: 50_000 },
  // Outside the 3 h range the range queries below ask for.
  a5: { id: 'a5', path: 'authz/allow', ago: 5 * 60 * MIN, evalNs: 9999 },
} satisfies Record<string, KnownDecision>;
const DECISIONS: KnownDecision[] = Object.values(D);
// OPA sent some events again (the first answer was lost), and the first two a third time: new event
// ids, same decisions. Repeats weigh on the percentiles if counted: see the eval-time test.
const REUPLOADED: KnownDecision[] = [D.a1, D.a2, D.b1, D.a4];
const REUPLOADED_AGAIN: KnownDecision[] = [D.a1, D.a2];
const RANGE = { from: (NOW - 3 * 60 * MIN) / 1_000_000, to: NOW / 1_000_000 + 60 };
const inRange = (d: KnownDecision) => d.ago <= 3 * 60 * MIN;

const FULL_ID = '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const DISCO_ID = '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d';
const PROM_ID = '1780d507-aea2-45cc-ae50-fa153c8e4a5a';
const STATUS = {
  fullRecent: statusFixture('status-full.json', 'prod-eu', {
    eventId: 'full-recent',
    receivedAt: NOW - 20 * MIN,
  }),
  fullOld: statusFixture('status-full.json', 'prod-eu', { eventId: 'full-old', receivedAt: NOW - 120 * MIN }),
  disco: statusFixture('status-discovery-error.json', null, { eventId: 'disco', receivedAt: NOW - 30 * MIN }),
  mapNew: statusFixture('status-prometheus-map.json', null, {
    eventId: 'map-new',
    receivedAt: NOW - 5 * MIN,
  }),
  protoOld: statusFixture('status-prometheus-protojson.json', null, {
    eventId: 'proto-old',
    receivedAt: NOW - 50 * MIN,
  }),
};

async function run<T>(name: string, params: Record<string, string | number> = {}): Promise<T[]> {
  const sql = queries.get(name);
  if (!sql) throw new Error(`no query ${name}`);
  return queryRows<T>(config, bindQueryParams(sql, params));
}

beforeAll(async () => {
  await runMigrations(config);
  // First delivery, then a redelivery of part of it (a loader crashed after insert, before commit),
  // in a separate insert so the duplicates sit in separate parts until a merge.
  await deliverReports(
    writer,
    Object.values(STATUS),
    Object.values(VERSION_REPORTS),
    [release('v0.18.0', 5 * 24 * 60 * MIN), release('v0.19.2', 24 * 60 * MIN)],
    Object.values(VERSION_CHECKS),
    decisions('upload-1', DECISIONS),
  );
  await deliverReports(
    writer,
    [STATUS.fullRecent, STATUS.protoOld],
    [VERSION_REPORTS.b, VERSION_REPORTS.b, VERSION_REPORTS.aNew],
    [release('v0.19.2', 24 * 60 * MIN)],
    [VERSION_CHECKS.today, VERSION_CHECKS.twoDaysAgo],
    decisions('upload-2', REUPLOADED),
  );
  await deliverReports(writer, [], [], [], [], decisions('upload-3', REUPLOADED_AGAIN));
});

afterAll(async () => {
  await client.close();
  await dropDatabase(config);
});

/** ORDER BY a, b, ...: field by field. */
const byFields = (a: string[], b: string[]) => {
  const i = a.findIndex((x, k) => x !== b[k]);
  return i < 0 ? 0 : a[i]! < b[i]! ? -1 : 1;
};

const utcDay = (micros: number) => new Date(micros / 1000).toISOString().slice(0, 10);

describe('documented analyst queries on the real ClickHouse', () => {
  it('has a test for every query file', () => {
    // The fleet console's own (out-of-date-instances, instances-stopped-reporting) are tested with data of
    // their own in fleet-console-queries.int.test.ts.
    expect([...queries.keys()].sort()).toEqual([
      'active-instances-per-version-per-day',
      'bundle-health-per-hour',
      'decision-by-id',
      'decision-errors-last-hour',
      'decision-eval-time-per-path',
      'decisions-allow-share-per-path-and-revision',
      'decisions-of-instance',
      'decisions-per-path-last-hour',
      'decisions-per-path-per-hour',
      'failed-bundles-last-hour',
      'heap-usage-by-version',
      'instances-stopped-reporting',
      'latest-status-of-instance',
      'out-of-date-instances',
      'p99-request-duration-per-instance',
      'partition-report-rates',
      'share-on-latest-release',
      'version-checks-per-day',
    ]);
  });

  it('the raw tables do hold duplicates (so the queries below have something to collapse)', async () => {
    const [raw] = await queryRows<{ n: string }>(
      config,
      `SELECT count() AS n FROM ${config.database}.version_reports`,
    );
    expect(Number(raw!.n)).toBe(10);
  });

  it('active instances per OPA version per day, `v0.19.2` and `0.19.2` as one version', async () => {
    const rows = await run<{ day: string; version: string; instances: string }>(
      'active-instances-per-version-per-day',
    );
    const expected = new Map<string, Set<string>>();
    for (const r of Object.values(VERSION_REPORTS)) {
      const key = `${utcDay(r.received_at)}|${normalized(r.version)}`;
      expected.set(key, (expected.get(key) ?? new Set()).add(r.id));
    }
    expect(rows.map((r) => [`${r.day}|${r.version}`, Number(r.instances)]).sort()).toEqual(
      [...expected].map(([k, ids]) => [k, ids.size]).sort(),
    );
    expect(rows.filter((r) => r.version.startsWith('v'))).toEqual([]);
    expect(rows.map((r) => r.version)).toEqual(expect.arrayContaining(['edge', '0.20.0-dev', '0.12.3']));
    // A (v0.19.2, 10 min ago) and B (0.19.2, 60 min ago) are one version; on one day unless the test
    // runs in the first hour after midnight UTC.
    if (utcDay(VERSION_REPORTS.aNew.received_at) === utcDay(VERSION_REPORTS.b.received_at)) {
      const today = rows.find(
        (r) => r.day === utcDay(VERSION_REPORTS.aNew.received_at) && r.version === '0.19.2',
      );
      expect(Number(today!.instances)).toBe(2);
    }
  });

  it('share of instances on the latest release', async () => {
    const [row] = await run<{ on_latest: string; instances: string; share: number }>(
      'share-on-latest-release',
    );
    // A (latest v0.19.2), B (0.19.2, no v) on the latest release v0.19.2; C on v0.18.0; D not seen for 3 days.
    expect(Number(row!.on_latest)).toBe(2);
    expect(Number(row!.instances)).toBe(3);
    expect(row!.share).toBeCloseTo(2 / 3, 10);
  });

  it('heap usage distribution by version', async () => {
    const rows = await run<{
      version: string;
      instances: string;
      heap_p50_p90_p99: number[];
      heap_max: string;
    }>('heap-usage-by-version');
    expect(
      rows.map((r) => [r.version, Number(r.instances), r.heap_p50_p90_p99.map(Number), Number(r.heap_max)]),
    ).toEqual([
      // C reports v0.18.0; A (v0.19.2, heap 300) and B (0.19.2, heap 200) are one version.
      // quantilesExact picks the element at floor(level * n) of the sorted values: 300 for n = 2.
      ['0.18.0', 1, [50, 50, 50], 50],
      ['0.19.2', 2, [300, 300, 300], 300],
    ]);
  });

  it('instances whose bundles failed to activate in the last hour, with the error', async () => {
    const rows = await run<{
      instance_id: string;
      kind: string;
      name: string;
      code: string;
      http_code: number | null;
      message: string;
      error_codes: string[];
    }>('failed-bundles-last-hour');
    expect(
      rows.map((r) => [r.instance_id, r.kind, r.name, r.code, r.http_code, r.message, r.error_codes]),
    ).toEqual([
      [
        FULL_ID,
        'bundle',
        'broken',
        'bundle_error',
        null,
        'error(s) occurred while compiling module(s)',
        ['rego_type_error', 'rego_parse_error'],
      ],
      [FULL_ID, 'bundle', 'missing', 'bundle_error', 404, 'server replied with Not Found', []],
      [DISCO_ID, 'discovery', 'discovery', 'bundle_error', 401, 'server replied with Unauthorized', []],
    ]);
  });

  it('bundle health per hour: each report and instance once per bundle, failing ones apart', async () => {
    const rows = await run<{
      hour: string;
      partition: string;
      kind: string;
      name: string;
      reports: string;
      failed_reports: string;
      instances: string;
      failing_instances: string;
    }>('bundle-health-per-hour');
    // Expected from the flattened rows of each report once (all within the last 24 h).
    const groups = new Map<string, [Set<string>, Set<string>, Set<string>, Set<string>]>();
    for (const report of Object.values(STATUS)) {
      for (const b of flattenStatus(report).bundles) {
        const hour = new Date(Math.floor(b.received_at / 3600) * 3600 * 1000)
          .toISOString()
          .replace('T', ' ')
          .slice(0, 19);
        const key = [hour, b.partition, b.kind, b.name].join('|');
        const g = groups.get(key) ?? [new Set(), new Set(), new Set(), new Set()];
        g[0].add(b.event_id);
        g[2].add(b.instance_id);
        if (b.code !== null) {
          g[1].add(b.event_id);
          g[3].add(b.instance_id);
        }
        groups.set(key, g);
      }
    }
    expect(
      rows.map((r) => [
        [r.hour, r.partition, r.kind, r.name].join('|'),
        Number(r.reports),
        Number(r.failed_reports),
        Number(r.instances),
        Number(r.failing_instances),
      ]),
    ).toEqual(
      [...groups]
        .sort(([a], [b]) => byFields(a.split('|'), b.split('|')))
        .map(([k, g]) => [k, ...g.map((s) => s.size)]),
    );
    expect(rows.some((r) => Number(r.failed_reports) > 0)).toBe(true);
  });

  it('the latest status of one instance', async () => {
    const rows = await run<{
      event_id: string;
      partition: string;
      bundle_error_count: number;
      decision_logs_code: string;
    }>('latest-status-of-instance', { instance_id: FULL_ID });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_id: 'full-recent',
      partition: 'prod-eu',
      bundle_error_count: 2,
      decision_logs_code: 'decision_logs_error',
    });
  });

  it('p99 of http_request_duration_seconds per instance from histogram buckets', async () => {
    const rows = await run<{ instance_id: string; p99: number }>('p99-request-duration-per-instance');
    // status-full: buckets 0.005:1300 0.01:1480 0.1:1519 1:1520 +Inf:1520; rank 0.99*1520 falls in (0.01, 0.1].
    const full = 0.01 + ((0.1 - 0.01) * (0.99 * 1520 - 1480)) / (1519 - 1480);
    // status-prometheus-map (the latest of PROM_ID, not the older protojson report): 1 sample in (0, 0.005].
    const map = (0.005 * 0.99) / 1;
    expect(rows.map((r) => r.instance_id)).toEqual([PROM_ID, FULL_ID].sort());
    expect(rows.find((r) => r.instance_id === FULL_ID)!.p99).toBeCloseTo(full, 12);
    expect(rows.find((r) => r.instance_id === PROM_ID)!.p99).toBeCloseTo(map, 12);
  });

  it('partitions and their report rates', async () => {
    const rows = await run<{
      partition: string;
      reports: string;
      instances: string;
      reports_per_second: number;
    }>('partition-report-rates');
    // Last hour: default partition has disco, map-new, proto-old (redelivered); prod-eu has full-recent (redelivered).
    expect(rows.map((r) => [r.partition, Number(r.reports), Number(r.instances)])).toEqual([
      ['', 3, 2],
      ['prod-eu', 1, 1],
    ]);
    expect(rows[0]!.reports_per_second).toBeCloseTo(3 / 3600, 12);
  });
});

const utcHour = (micros: number) =>
  `${new Date(micros / 1000).toISOString().slice(0, 13).replace('T', ' ')}:00:00`;
const pathOf = (d: KnownDecision) => d.path ?? '';

describe('decisions', () => {
  it('decisions per policy path in the last hour: each decision once, also when uploaded twice', async () => {
    const rows = await run<{ policy_path: string; decisions: string; instances: string; errors: string }>(
      'decisions-per-path-last-hour',
    );
    expect(
      rows.map((r) => [r.policy_path, Number(r.decisions), Number(r.instances), Number(r.errors)]),
    ).toEqual([
      ['authz/allow', 3, 2, 1],
      ['httpapi/authz', 2, 2, 0],
      ['', 1, 1, 0],
      ['rbac/allow', 1, 1, 1],
    ]);
  });

  it('decisions per policy path per hour in a time range, each decision once', async () => {
    const rows = await run<{
      hour: string;
      policy_path: string;
      decisions: string;
      instances: string;
      errors: string;
    }>('decisions-per-path-per-hour', RANGE);
    const expected = new Map<string, { ids: Set<string>; instances: Set<string>; errors: Set<string> }>();
    for (const d of DECISIONS.filter(inRange)) {
      const key = `${utcHour(NOW - d.ago)}|${pathOf(d)}`;
      const group = expected.get(key) ?? { ids: new Set(), instances: new Set(), errors: new Set() };
      group.ids.add(d.id);
      group.instances.add(instanceOf(d));
      if (d.error) group.errors.add(d.id);
      expected.set(key, group);
    }
    const byHourThenCount = (a: (string | number)[], b: (string | number)[]) =>
      String(a[0]).localeCompare(String(b[0])) ||
      Number(b[2]) - Number(a[2]) ||
      (String(a[1]) < String(b[1]) ? -1 : 1);
    expect(
      rows.map((r) => [r.hour, r.policy_path, Number(r.decisions), Number(r.instances), Number(r.errors)]),
    ).toEqual(
      [...expected]
        .map(([key, g]) => [...key.split('|'), g.ids.size, g.instances.size, g.errors.size])
        .sort(byHourThenCount),
    );
    // a5 (5 h ago) is outside the range; the 10 decisions inside it are each counted once.
    expect(rows.reduce((n, r) => n + Number(r.decisions), 0)).toBe(10);
  });

  it('allow/deny share per policy path and bundle revision, with allow read from true or {"allow": true}', async () => {
    const rows = await run<{
      policy_path: string;
      bundle: string;
      revision: string;
      decisions: string;
      allowed: string;
      denied: string;
      other: string;
      allow_share: number;
    }>('decisions-allow-share-per-path-and-revision', RANGE);
    expect(
      rows.map((r) => [
        r.policy_path,
        r.bundle,
        r.revision,
        Number(r.decisions),
        Number(r.allowed),
        Number(r.denied),
        Number(r.other),
      ]),
    ).toEqual([
      ['', '', '', 1, 0, 0, 1], // b2: a list, neither allow nor deny
      ['authz/allow', '', 'legacy-7', 1, 1, 0, 0], // a7: the deprecated `revision`, no bundle names
      ['authz/allow', 'authz', 'r1', 3, 2, 1, 0], // a1 true, a3 true, a2 false (a1, a2 uploaded 3 times)
      ['authz/allow', 'authz', 'r2', 1, 0, 0, 1], // b1: an error, no result
      ['httpapi/authz', 'authz', 'r2', 2, 1, 1, 0], // a4 {"allow":true}, b3 {"allow":false}
      ['httpapi/authz', 'data', 'd1', 1, 1, 0, 0], // a4 again: it was made with both bundles
      ['rbac/allow', 'authz', 'r1', 2, 0, 0, 2], // b5, a6: errors
    ]);
    expect(rows[2]!.allow_share).toBeCloseTo(2 / 3, 12);
    expect(rows[4]!.allow_share).toBeCloseTo(1 / 2, 12);
  });

  it('p50/p99 of timer_rego_query_eval_ns per policy path, each decision weighed once', async () => {
    const rows = await run<{
      policy_path: string;
      decisions: string;
      eval_ns_p50: number;
      eval_ns_p99: number;
      eval_ns_max: number;
    }>('decision-eval-time-per-path', RANGE);
    // authz/allow: 10k, 20k, 30k, 40k, 50k; counted with its repeats (a1, a2 three times, b1 twice) the
    // median would be 20k. quantileExact takes the value at rank floor(level * n): p50 of 5 values is the
    // third, p99 the fifth; of httpapi/authz's two (600, 700) both are the second. rbac/allow logged no timer.
    expect(
      rows.map((r) => [r.policy_path, Number(r.decisions), r.eval_ns_p50, r.eval_ns_p99, r.eval_ns_max]),
    ).toEqual([
      ['', 1, 400, 400, 400],
      ['authz/allow', 5, 30_000, 50_000, 50_000],
      ['httpapi/authz', 2, 700, 700, 700],
    ]);
  });

  it('decisions with errors in the last hour, newest first, each once, with the (first) error', async () => {
    const rows = await run<{
      instance_id: string;
      policy_path: string;
      decision_id: string;
      code: string;
      message: string;
      error_json: string;
    }>('decision-errors-last-hour');
    expect(rows.map((r) => [r.decision_id, r.instance_id, r.policy_path, r.code, r.message])).toEqual([
      ['b1', 'inst-b', 'authz/allow', EVAL_ERROR.code, EVAL_ERROR.message],
      ['b5', 'inst-b', 'rbac/allow', 'rego_type_error', 'undefined ref: data.lib.x'],
    ]);
    expect(JSON.parse(rows[1]!.error_json)).toEqual(COMPILE_ERRORS);
  });

  it('one decision by id: the first copy received, with what OPA logged', async () => {
    const rows = await run<Record<string, unknown>>('decision-by-id', { decision_id: 'a4' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      decision_id: 'a4',
      instance_id: 'inst-a',
      event_id: `upload-1-${DECISIONS.indexOf(D.a4)}`,
      path: 'httpapi/authz',
      result_json: JSON.stringify(D.a4.result),
      bundle_names: ['authz', 'data'],
      bundle_revisions: ['r2', 'd1'],
    });
    expect(await run('decision-by-id', { decision_id: 'no-such-decision' })).toEqual([]);
  });

  it("one instance's decisions in a time range, oldest first, each once", async () => {
    const from = (NOW - 60 * MIN) / 1_000_000;
    const rows = await run<{ decision_id: string; policy_path: string; result_json: string | null }>(
      'decisions-of-instance',
      { instance_id: 'inst-a', from, to: RANGE.to },
    );
    const expected = DECISIONS.filter((d) => instanceOf(d) === 'inst-a' && d.ago <= 60 * MIN).sort(
      (x, y) => y.ago - x.ago,
    );
    expect(rows.map((r) => r.decision_id)).toEqual(['a4', 'a2', 'a1']);
    expect(rows.map((r) => [r.decision_id, r.policy_path, r.result_json])).toEqual(
      expected.map((d) => [d.id, pathOf(d), JSON.stringify('result' in d ? d.result : true)]),
    );
  });

  it('one row per decision once merged (FINAL), though a re-upload got new event ids', async () => {
    const [raw] = await queryRows<{ n: string }>(
      config,
      `SELECT count() AS n FROM ${config.database}.decisions`,
    );
    const [final] = await queryRows<{ n: string }>(
      config,
      `SELECT count() AS n FROM ${config.database}.decisions FINAL`,
    );
    expect([Number(raw!.n), Number(final!.n)]).toEqual([
      DECISIONS.length + REUPLOADED.length + REUPLOADED_AGAIN.length,
      DECISIONS.length,
    ]);
  });
});

describe('version checks (OPA 1.7 and later)', () => {
  it('version checks per day: each check once, answered and revalidated ones apart, last 30 days', async () => {
    const rows = await run<{ day: string; checks: string; answered: string; not_modified: string }>(
      'version-checks-per-day',
    );
    const today = utcDay(VERSION_CHECKS.today.received_at);
    const twoDaysAgo = utcDay(VERSION_CHECKS.twoDaysAgo.received_at);
    expect(rows.map((r) => [r.day, Number(r.checks), Number(r.answered), Number(r.not_modified)])).toEqual([
      [twoDaysAgo, 1, 0, 0],
      [today, 2, 2, 1],
    ]);
  });
});

describe('analyst views', () => {
  it('latest_status has one row per instance with its latest report', async () => {
    const rows = await queryRows<{ instance_id: string; event_id: string; bundle_error_count: number }>(
      config,
      `SELECT instance_id, event_id, bundle_error_count FROM ${config.database}.latest_status ORDER BY instance_id`,
    );
    expect(rows).toEqual([
      { instance_id: PROM_ID, event_id: 'map-new', bundle_error_count: 0 },
      { instance_id: FULL_ID, event_id: 'full-recent', bundle_error_count: 2 },
      { instance_id: DISCO_ID, event_id: 'disco', bundle_error_count: 1 },
    ]);
  });

  it('FINAL collapses every redelivered row (event_id + seq) in every table', async () => {
    const count = async (table: string, final: boolean) => {
      const [r] = await queryRows<{ n: string }>(
        config,
        `SELECT count() AS n FROM ${config.database}.${table}${final ? ' FINAL' : ''}`,
      );
      return Number(r!.n);
    };
    const unique = Object.values(STATUS).map(flattenStatus);
    for (const table of STATUS_TABLES) {
      const expected = unique.reduce((n, rows) => n + rows[table].length, 0);
      expect(await count(table, true)).toBe(expected);
      expect(await count(table, false)).toBeGreaterThan(expected);
    }
    expect(await count('version_reports', true)).toBe(Object.keys(VERSION_REPORTS).length);
    expect(await count('version_checks', true)).toBe(Object.keys(VERSION_CHECKS).length);
    expect(await count('version_checks', false)).toBeGreaterThan(Object.keys(VERSION_CHECKS).length);
  });
});
