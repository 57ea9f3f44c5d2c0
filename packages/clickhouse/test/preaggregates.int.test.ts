// The pre-aggregates (migrations 015+) give the same answers as the raw tables, on the real ClickHouse,
// with redelivered reports (the same rows again in a later insert, and twice within one insert), and
// after a backfill of rows loaded before the pre-aggregates existed.
//
// Every documented query that reads a pre-aggregate has its raw-table counterpart, of the same name, in
// schemas/clickhouse/queries/raw/: exact and slow at fleet scale, the reference here and the baseline of
// the query benchmark.
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DecisionEvent,
  normalizeDecisionChunk,
  type ReleaseInfo,
  type StatusReport,
  type TelemetryReport,
  type VersionCheck,
} from '@opa-fleet/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusFixture } from '../../flatten/test/fixture-records';
import {
  BatchWriter,
  bindQueryParams,
  type ClickHouseConfig,
  createClickHouseClient,
  DEFAULT_MIGRATIONS_DIR,
  DEFAULT_QUERIES_DIR,
  LOADER_TABLES,
  loadAnalystQueries,
  runBackfill,
  runMigrations,
  STATUS_TABLE_SPECS,
  type TableSpec,
} from '../src';
import {
  deliverReports,
  dropDatabase,
  PREAGGREGATES,
  queryRows,
  STATUS_SPECS_BEFORE_025,
  telemetryReport,
  testConfig,
} from './clickhouse-test-db';

const MIN = 60_000_000; // micros
const DAY = 24 * 60 * MIN;
const NOW = Math.floor(Date.now() / 1000) * 1_000_000;
const DECISION_RANGE = { from: (NOW - 3 * 60 * MIN) / 1_000_000 + 7, to: NOW / 1_000_000 + 60 };

const queries = loadAnalystQueries();
const rawQueries = loadAnalystQueries(join(DEFAULT_QUERIES_DIR, 'raw'));
/** The documented queries that read a pre-aggregate (those with a raw-table counterpart). */
const preaggregatedQueries = new Map([...queries].filter(([name]) => rawQueries.has(name)));
const PARAMS: Record<string, Record<string, string | number>> = {
  'latest-status-of-instance': { instance_id: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' },
  // Between the latest status updates 5 and 20 minutes old: some instances are silent, some not.
  'instances-stopped-reporting': { silent_minutes: 15 },
  // Three hours back, not on an hour: the queries count the whole hours from the one holding `from`.
  'decisions-per-path-per-hour': DECISION_RANGE,
  'decisions-allow-share-per-path-and-revision': DECISION_RANGE,
  // Uploaded twice (the second upload has other event ids): the first copy received.
  'decision-by-id': { decision_id: 'a2' },
};

const telemetry = (id: string, version: string, heap: number | null, ago: number): TelemetryReport =>
  telemetryReport(id, version, heap, NOW - ago);
const VERSIONS = {
  aOld: telemetry('A', 'v0.12.3', 100, 120 * MIN),
  aNew: telemetry('A', 'v0.19.2', 300, 10 * MIN),
  b: telemetry('B', '0.19.2', 200, 60 * MIN),
  c: telemetry('C', 'v0.18.0', 50, 30 * MIN),
  // The latest report of C's neighbour has no heap: the heap of the latest report is NULL, not 70.
  dHeap: telemetry('D', 'v0.18.0', 70, 40 * MIN),
  dNoHeap: telemetry('D', 'v0.18.0', null, 20 * MIN),
  stale: telemetry('S', 'v0.12.3', 999, 3 * DAY),
  edge: telemetry('E', 'edge', 10, 2 * DAY),
};

const release = (tag: string, ago: number): ReleaseInfo => ({
  channel: 'latest',
  tag,
  release_notes: `https://github.com/open-policy-agent/opa/releases/tag/${tag}`,
  download_base: 'https://openpolicyagent.org/downloads',
  published_at: null,
  source: 'file',
  updated_at: NOW - ago,
});
const RELEASES = [release('v0.18.0', 5 * DAY), release('v0.19.2', DAY)];

const check = (id: string, ago: number, tag: string | null, notModified = false): VersionCheck => ({
  event_id: id,
  received_at: NOW - ago,
  gateway_id: 'gw',
  repository: 'open-policy-agent/opa',
  endpoint: 'latest',
  user_agent: 'OPA-Version-Checker',
  answered_tag: tag,
  not_modified: notModified,
});
const CHECKS = [check('c1', 0, 'v0.19.2'), check('c2', MIN, 'v0.19.2', true), check('c3', 2 * DAY, null)];

interface DecisionFixture {
  id: string;
  path: string | null;
  ago: number;
  error?: boolean;
  result?: unknown;
  bundles?: Record<string, { revision: string }>;
}

function decisions(upload: string, events: DecisionFixture[]) {
  let n = 0;
  return normalizeDecisionChunk(
    events.map((e) => ({
      labels: { id: `inst-${e.id.slice(0, 1)}`, version: '1.22.3' },
      decision_id: e.id,
      ...(e.path === null ? { query: 'data.x = y' } : { path: e.path }),
      timestamp: new Date((NOW - e.ago) / 1000).toISOString(),
      result: 'result' in e ? e.result : true,
      ...(e.bundles ? { bundles: e.bundles } : {}),
      ...(e.error ? { error: { code: 'eval_error', message: 'boom' } } : {}),
    })),
    { receivedAt: NOW, gatewayId: 'gw', partition: null },
    () => `${upload}-${n++}`,
  ).events;
}
const DECISIONS: DecisionFixture[] = [
  { id: 'a1', path: 'authz/allow', ago: 5 * MIN },
  // Uploaded twice, with an error: listed once among the errors.
  { id: 'a2', path: 'authz/allow', ago: 10 * MIN, error: true },
  { id: 'b1', path: 'authz/allow', ago: 15 * MIN, error: true },
  { id: 'b2', path: null, ago: 20 * MIN },
  { id: 'a3', path: 'authz/allow', ago: 90 * MIN },
  // Results the allow-share query tells apart, made with one bundle and with two.
  { id: 'a4', path: 'authz/allow', ago: 25 * MIN, result: false, bundles: { authz: { revision: 'r1' } } },
  {
    id: 'b3',
    path: 'authz/allow',
    ago: 70 * MIN,
    result: { allow: true, reasons: [] },
    bundles: { authz: { revision: 'r2' }, common: { revision: 'c1' } },
  },
  // Older than the ranges: outside every answer.
  { id: 'a5', path: 'authz/allow', ago: 5 * 60 * MIN },
];

const STATUS = {
  fullRecent: statusFixture('status-full.json', 'prod-eu', {
    eventId: 'full-recent',
    receivedAt: NOW - 20 * MIN,
  }),
  fullOld: statusFixture('status-full.json', 'prod-eu', { eventId: 'full-old', receivedAt: NOW - 120 * MIN }),
  disco: statusFixture('status-discovery-error.json', null, { eventId: 'disco', receivedAt: NOW - 30 * MIN }),
  legacy: statusFixture('status-legacy-bundle.json', 'edge', {
    eventId: 'legacy',
    receivedAt: NOW - 40 * MIN,
  }),
  mapNew: statusFixture('status-prometheus-map.json', null, {
    eventId: 'map-new',
    receivedAt: NOW - 5 * MIN,
  }),
  protoOld: statusFixture('status-prometheus-protojson.json', null, {
    eventId: 'proto-old',
    receivedAt: NOW - 50 * MIN,
  }),
};

type Delivery = [StatusReport[], TelemetryReport[], ReleaseInfo[], VersionCheck[], DecisionEvent[]];
const DELIVERIES: Delivery[] = [
  [Object.values(STATUS), Object.values(VERSIONS), RELEASES, CHECKS, decisions('up-1', DECISIONS)],
  // A loader crashed after its insert: the same records again, in a later insert; and one record twice
  // within one insert (what a view sees as one block).
  [
    [STATUS.fullRecent, STATUS.fullRecent, STATUS.protoOld, STATUS.mapNew],
    [VERSIONS.b, VERSIONS.b, VERSIONS.aNew, VERSIONS.dNoHeap],
    [RELEASES[1]!],
    [CHECKS[0]!, CHECKS[0]!],
    decisions('up-2', DECISIONS.slice(0, 2)),
  ],
];

async function deliverAll(
  config: ClickHouseConfig,
  deliveries: Delivery[],
  statusSpecs: ReadonlyMap<string, TableSpec> = STATUS_TABLE_SPECS,
): Promise<void> {
  const client = createClickHouseClient(config);
  try {
    const writer = new BatchWriter({ client, database: config.database, tableOrder: LOADER_TABLES });
    for (const d of deliveries) await deliverReports(writer, ...d, statusSpecs);
  } finally {
    await client.close();
  }
}

async function answers(config: ClickHouseConfig, set: Map<string, string>): Promise<Map<string, unknown[]>> {
  const out = new Map<string, unknown[]>();
  for (const [name, sql] of set)
    out.set(name, await queryRows(config, bindQueryParams(sql, PARAMS[name] ?? {})));
  return out;
}

async function optimize(config: ClickHouseConfig, tables: string[]): Promise<void> {
  const client = createClickHouseClient(config);
  try {
    for (const t of tables) await client.command({ query: `OPTIMIZE TABLE ${config.database}.${t} FINAL` });
  } finally {
    await client.close();
  }
}

/** JSON gives 64-bit integers as strings; the raw and pre-aggregate columns differ in width only. */
const normalize = (rows: unknown[]) =>
  JSON.parse(JSON.stringify(rows, (_k, v) => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v)));

const live = testConfig('it_preagg');
const backfilled = testConfig('it_backfill');
let oldDir = '';
let liveRaw: Map<string, unknown[]>;
let livePre: Map<string, unknown[]>;
let liveMerged: Map<string, unknown[]>;
let beforeBackfill: Map<string, unknown[]>;
let afterBackfill: Map<string, unknown[]>;
let afterSecondBackfill: Map<string, unknown[]>;
let afterRedelivery: Map<string, unknown[]>;
let backfilledRaw: Map<string, unknown[]>;
let liveDurations: unknown[];
let durationsBeforeBackfill: unknown[];
/** instance_request_durations (018) merged: what 020's rebuild must have fed from the old rows. */
const DURATIONS =
  'SELECT instance_id, series, le, maxMerge(last_sample_us) AS us, argMaxMerge(latest_value) AS value ' +
  'FROM instance_request_durations GROUP BY instance_id, series, le ORDER BY instance_id, series, le';

beforeAll(async () => {
  // The views fed from the first insert on.
  await runMigrations(live);
  await deliverAll(live, DELIVERIES);
  liveRaw = await answers(live, rawQueries);
  livePre = await answers(live, preaggregatedQueries);
  await optimize(live, PREAGGREGATES); // the engine's own merge of the states
  liveMerged = await answers(live, preaggregatedQueries);

  // The rows loaded by a version before the pre-aggregates (migrations up to 014), then the upgrade.
  oldDir = mkdtempSync(join(tmpdir(), 'opa-old-migrations-'));
  for (const f of readdirSync(DEFAULT_MIGRATIONS_DIR).filter((f) => /^(0(0\d|1[0-4]))_.*\.sql$/.test(f)))
    cpSync(join(DEFAULT_MIGRATIONS_DIR, f), join(oldDir, f));
  await runMigrations(backfilled, { dir: oldDir });
  // Written as a loader of that version did: without the sample columns 025 adds.
  await deliverAll(backfilled, DELIVERIES, STATUS_SPECS_BEFORE_025);
  await runMigrations(backfilled);
  beforeBackfill = await answers(backfilled, preaggregatedQueries);
  liveDurations = await queryRows(live, DURATIONS);
  durationsBeforeBackfill = await queryRows(backfilled, DURATIONS);
  await runBackfill(backfilled);
  afterBackfill = await answers(backfilled, preaggregatedQueries);
  await runBackfill(backfilled);
  afterSecondBackfill = await answers(backfilled, preaggregatedQueries);
  // Redelivered after the upgrade: the views see it again, on top of the backfilled states.
  await deliverAll(backfilled, [DELIVERIES[1]!]);
  afterRedelivery = await answers(backfilled, preaggregatedQueries);
  backfilledRaw = await answers(backfilled, rawQueries);
}, 120_000);

afterAll(async () => {
  if (oldDir) rmSync(oldDir, { recursive: true, force: true });
  await dropDatabase(live);
  await dropDatabase(backfilled);
});

const PREAGGREGATED = [...queries.keys()].filter((name) => rawQueries.has(name));

describe('pre-aggregates agree with the raw tables', () => {
  it('every raw-table counterpart is of a documented query that reads a pre-aggregate', () => {
    expect(rawQueries.size).toBeGreaterThanOrEqual(10);
    for (const name of rawQueries.keys()) {
      expect(queries.get(name), name).toMatch(
        /\bFROM\s+(daily_version_instances(_hll)?|instance_\w+|partition_reports_per_minute|bundle_\w+_hourly|version_checks_daily|decisions_per_(minute|hour)_hll|decisions_per_minute|decision_verdicts_hourly|decision_locations|decision_errors)\b/,
      );
    }
  });

  it('the raw tables hold the redelivered rows twice (so there is something to count once)', async () => {
    const [r] = await queryRows<{ n: string }>(
      live,
      `SELECT count() AS n FROM ${live.database}.version_reports`,
    );
    expect(Number(r!.n)).toBe(Object.keys(VERSIONS).length + 4);
  });

  it.each(PREAGGREGATED)('%s: same answer, before and after the states are merged', (name) => {
    const raw = normalize(liveRaw.get(name)!);
    expect(raw.length, `${name} has rows`).toBeGreaterThan(0);
    expect(normalize(livePre.get(name)!)).toEqual(raw);
    expect(normalize(liveMerged.get(name)!)).toEqual(raw);
  });

  it('the heap of an instance is that of its latest report, NULL when that report had none', () => {
    const rows = liveRaw.get('heap-usage-by-version') as {
      version: string;
      instances: string;
      heap_max: string | null;
    }[];
    expect(rows.find((r) => r.version === '0.18.0')).toMatchObject({ instances: '2', heap_max: '50' });
  });
});

describe('backfill of rows loaded before the pre-aggregates', () => {
  // The p99 query reads instance_request_histograms (021), made after 020's rebuild of prometheus_samples,
  // so the views alone miss the old rows for every documented query.
  it('the views alone miss them', () => {
    for (const name of PREAGGREGATED)
      expect(beforeBackfill.get(name), name).not.toEqual(backfilledRaw.get(name));
  });

  it("020's rebuild of prometheus_samples copies the old rows through 018's re-created view", () => {
    expect(durationsBeforeBackfill.length).toBeGreaterThan(0);
    expect(normalize(durationsBeforeBackfill)).toEqual(normalize(liveDurations));
  });

  it.each(PREAGGREGATED)(
    '%s: after the backfill, the raw answer; again after a second backfill and a redelivery',
    (name) => {
      const raw = normalize(backfilledRaw.get(name)!);
      expect(raw).toEqual(normalize(liveRaw.get(name)!));
      expect(normalize(afterBackfill.get(name)!)).toEqual(raw);
      expect(normalize(afterSecondBackfill.get(name)!)).toEqual(raw);
      expect(normalize(afterRedelivery.get(name)!)).toEqual(raw);
    },
  );
});
