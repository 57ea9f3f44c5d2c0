// Everything the project creates and queries in ClickHouse also works on a CURRENT ClickHouse
// release, with the same answers as on the 18.16 server the other tests use.
//
// 18.16 side (the real server): the real migration runner and the real BatchWriter (rows from the
// OPA fixtures via normalizeStatus/normalizeTelemetry -> flatten -> the JSONEachRow encoders, with a
// redelivery of part of the data) talk to the server through a recording proxy.
// Current side (chDB 26.9, ClickHouse embedded in-process, from PyPI via infra/bin/chdb-env):
// - single node: every recorded statement replayed byte for byte (bootstrap DDL, migrations,
//   schema_migrations reads and writes, inserts), then the same checks;
// - single node, compact: the migrations as the runner renders them for this current server (codecs,
//   LowCardinality: 010-013), then the same inserts and the same checks;
// - cluster mode (rendered for this current server): every statement parses (formatQuery); embedded mode has
//   no ZooKeeper and no distributed DDL, so it then executes the cluster rendering without
//   `ON CLUSTER` and with the plain engine instead of Replicated*, on a cluster `c` of one local
//   shard (a config file): the Distributed tables and the views over them are real, the inserts
//   go through the Distributed tables as the loaders' do, and the same checks run on them.
// Every documented analyst query, both views, table engines and column types, FINAL counts and the
// NaN/±Inf round trip are compared with the 18.16 answers.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DecisionEvent,
  normalizeDecisionChunk,
  normalizeStatus,
  normalizeTelemetry,
  type ReleaseInfo,
  type StatusReport,
  type TelemetryReport,
  type VersionCheck,
} from '@opa-fleet/contracts';
import { flattenStatus, flattenTelemetry, STATUS_TABLES } from '@opa-fleet/flatten';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureBody } from '../../flatten/test/fixture-records';
import {
  BatchWriter,
  bindQueryParams,
  type ClickHouseConfig,
  ClickHouseStoreError,
  createClickHouseClient,
  DEFAULT_QUERIES_DIR,
  LOADER_TABLES,
  loadAnalystQueries,
  runMigrations,
  STATUS_TABLE_SPECS,
  serverCodeOf,
  TableBatch,
  TELEMETRY_TABLE_SPECS,
} from '../src';
import { type ChdbResult, type ChdbRun, type ChdbStep, chdbPython, runChdb } from './chdb-runner';
import { deliverReports, dropDatabase, PREAGGREGATES, queryRows } from './clickhouse-test-db';
import { type RecordedStatement, RecordingProxy } from './recording-proxy';

const SERVER_URL = process.env.CLICKHOUSE_URL;
const DATABASE = `it_current_${randomBytes(4).toString('hex')}`;
const CLUSTER = 'c';

const queries = loadAnalystQueries();

// ---- known data, from the OPA fixtures ---------------------------------------------------------

const MIN = 60_000_000; // micros
const NOW = Math.floor(Date.now() / 1000) * 1_000_000;
const FULL_ID = '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const NONFINITE_ID = 'a0000000-0000-4000-8000-00000000000f';

// biome-ignore lint/suspicious/noExplicitAny: fixture bodies (parsed JSON) are edited in place
type Body = Record<string, any>;

function status(
  file: string,
  eventId: string,
  agoMicros: number,
  partition: string | null = null,
  edit?: (body: Body) => void,
): StatusReport {
  const body = structuredClone(fixtureBody(file)) as Body;
  edit?.(body);
  return normalizeStatus(body, {
    eventId,
    receivedAt: NOW - agoMicros,
    gatewayId: 'gw-current',
    userAgent: 'Open Policy Agent/1.4.2 (linux, amd64)',
    partition,
  });
}

function version(
  id: string,
  opaVersion: string,
  heap: string | null,
  agoMicros: number,
  extra: Body = {},
): TelemetryReport {
  const body: Body = {
    ...(fixtureBody('telemetry-request.json') as Body),
    id,
    version: opaVersion,
    ...extra,
  };
  if (heap === null) delete body.heap_usage_bytes;
  else body.heap_usage_bytes = heap;
  return normalizeTelemetry(body, {
    eventId: `tel-${id}-${agoMicros}`,
    receivedAt: NOW - agoMicros,
    gatewayId: 'gw-current',
    userAgent: `Open Policy Agent/${opaVersion} (linux, amd64)`,
  });
}

const release = (tag: string, agoMicros: number, published: boolean): ReleaseInfo => ({
  channel: 'latest',
  tag,
  release_notes: `https://github.com/open-policy-agent/opa/releases/tag/${tag}`,
  download_base: 'https://openpolicyagent.org/downloads',
  published_at: published ? NOW - agoMicros - 60 * MIN : null,
  source: 'file',
  updated_at: NOW - agoMicros,
});

/** protobuf-JSON spells non-finite doubles as strings; these reach ClickHouse as bare NaN/inf/-inf. */
function withNonFinite(body: Body): void {
  body.labels.id = NONFINITE_ID;
  body.labels.version = '1.10.1';
  body.metrics.prometheus.go_gc_duration_seconds.metric[0].summary.quantile[2].value = 'NaN';
  body.metrics.prometheus.opa_test_nonfinite = {
    name: 'opa_test_nonfinite',
    help: 'non-finite gauge values',
    type: 'GAUGE',
    metric: [
      { label: [{ name: 'k', value: 'nan' }], gauge: { value: 'NaN' } },
      { label: [{ name: 'k', value: 'neg' }], gauge: { value: '-Infinity' } },
      { label: [{ name: 'k', value: 'pos' }], gauge: { value: 'Infinity' } },
    ],
  };
}

/** Units and created timestamps as OPA v1.x writes them (protobuf-JSON: RFC 3339 in the value holder). */
const CREATED_TEXT = '2026-12-01T08:36:06.126986250Z';
const CREATED_US = 1_796_114_166_126_986;
function withProtoUnits(body: Body): void {
  const families = body.metrics.prometheus;
  families.go_gc_cycles_automatic_gc_cycles_total.unit = 'gc_cycles';
  families.go_gc_cycles_automatic_gc_cycles_total.metric[0].counter.createdTimestamp = CREATED_TEXT;
  families.http_request_duration_seconds.unit = 'seconds';
  for (const metric of families.http_request_duration_seconds.metric)
    metric.histogram.createdTimestamp = CREATED_TEXT;
}
/** The same in Go encoding/json spelling: the Timestamp message as {seconds, nanos}. */
function withGoUnits(body: Body): void {
  const summary = body.metrics.prometheus.go_gc_duration_seconds;
  summary.unit = 'seconds';
  summary.metric[0].summary.created_timestamp = { seconds: 1_796_114_166, nanos: 126_986_250 };
}

const STATUS = {
  fullRecent: status('status-full.json', 'full-recent', 20 * MIN, 'prod-eu'),
  fullOld: status('status-full.json', 'full-old', 120 * MIN, 'prod-eu'),
  disco: status('status-discovery-error.json', 'disco', 30 * MIN),
  legacy: status('status-legacy-bundle.json', 'legacy', 40 * MIN, 'edge'),
  array: status('status-prometheus-array.json', 'array', 55 * MIN),
  mapNew: status('status-prometheus-map.json', 'map-new', 5 * MIN, null, withGoUnits),
  protoOld: status('status-prometheus-protojson.json', 'proto-old', 50 * MIN, null, withProtoUnits),
  nonFinite: status('status-prometheus-protojson.json', 'non-finite', 15 * MIN, 'lab', withNonFinite),
};

const VERSIONS = {
  aOld: version('A', 'v0.12.3', '100', 120 * MIN),
  aNew: version('A', 'v0.19.2', '300', 10 * MIN, { min_compatible_version: '0.17.0' }),
  b: version('B', '0.19.2', '200', 60 * MIN),
  c: version('C', 'v0.18.0', '50', 30 * MIN),
  e: version('E', 'v0.18.0', null, 25 * MIN),
  dStale: version('D', 'v0.12.3', '999', 3 * 24 * 60 * MIN),
};

const RELEASES = [release('v0.18.0', 5 * 24 * 60 * MIN, true), release('v0.19.2', 24 * 60 * MIN, false)];

const check = (
  eventId: string,
  agoMicros: number,
  answeredTag: string | null,
  notModified = false,
): VersionCheck => ({
  event_id: eventId,
  received_at: NOW - agoMicros,
  gateway_id: 'gw-current',
  repository: 'open-policy-agent/opa',
  endpoint: 'latest',
  user_agent: 'OPA-Version-Checker',
  answered_tag: answeredTag,
  not_modified: notModified,
});
const CHECKS_MADE = {
  told: check('chk-told', 10 * MIN, 'v0.19.2'),
  revalidated: check('chk-304', 20 * MIN, 'v0.19.2', true),
  early: check('chk-early', 2 * 24 * 60 * MIN, null),
};

/** First delivery, then a redelivery of part of it (a loader crashed after insert, before commit). */
/** Decision events as OPA uploads them; a second upload of the same events gets new event ids. */
function decisionUpload(upload: string, count: number): DecisionEvent[] {
  let n = 0;
  return normalizeDecisionChunk(
    Array.from({ length: count }, (_, i) => ({
      labels: { id: `inst-${i % 2}`, version: '1.22.3', team: 'payments' },
      decision_id: `dec-${i}`,
      path: i % 3 === 0 ? 'authz/deny' : 'authz/allow',
      input: { user: `u${i}`, nested: { list: [1, 2.5, null, 'x'] } },
      // Booleans, and objects with `allow` as a package's rules give them (the allow-share query reads both).
      result:
        i === 3 ? { allow: false, reasons: ['x'] } : i === 5 ? { allow: true, reasons: [] } : i % 2 === 0,
      ...(i === 4 ? { error: { code: 'eval_error', message: 'boom' } } : {}),
      ...(i === 2
        ? {
            error: [
              { code: 'rego_type_error', message: 'first' },
              { code: 'x', message: 'y' },
            ],
          }
        : {}),
      // The deprecated single-bundle `revision` instead of `bundles`.
      ...(i === 1 ? { revision: 'legacy-1' } : { bundles: { authz: { revision: 'r1' } } }),
      metrics: { timer_rego_query_eval_ns: 1000 + i, counter_server_query_cache_hit: 0 },
      timestamp: new Date((NOW - i * MIN) / 1000).toISOString().replace('Z', '123Z'),
    })),
    { receivedAt: NOW, gatewayId: 'gw-current', partition: 'prod-eu' },
    () => `${upload}-${n++}`,
  ).events;
}

const DELIVERIES: [StatusReport[], TelemetryReport[], ReleaseInfo[], VersionCheck[], DecisionEvent[]][] = [
  [
    Object.values(STATUS),
    Object.values(VERSIONS),
    RELEASES,
    Object.values(CHECKS_MADE),
    decisionUpload('first', 6),
  ],
  [
    [STATUS.fullRecent, STATUS.protoOld, STATUS.nonFinite],
    [VERSIONS.b, VERSIONS.b, VERSIONS.aNew],
    [RELEASES[1]!],
    [CHECKS_MADE.told],
    decisionUpload('again', 2),
  ],
];

// ---- what is compared --------------------------------------------------------------------------

interface Check {
  id: string;
  sql: string;
  params?: Record<string, string | number>;
}

const ALL_TABLES = [...STATUS_TABLES, 'version_reports', 'version_checks', 'releases', 'decisions'];
const DECISION_RANGE = { from: (NOW - 3 * 60 * MIN) / 1_000_000, to: NOW / 1_000_000 + 60 };
/** Parameters of the queries that take some; a DateTime as Unix seconds. */
const QUERY_PARAMS: Record<string, Record<string, string | number>> = {
  'latest-status-of-instance': { instance_id: FULL_ID },
  'decisions-per-path-per-hour': DECISION_RANGE,
  'decisions-allow-share-per-path-and-revision': DECISION_RANGE,
  'decision-eval-time-per-path': DECISION_RANGE,
  'decision-by-id': { decision_id: 'dec-1' },
  'decisions-of-instance': { instance_id: 'inst-0', ...DECISION_RANGE },
  // Between the latest status updates 30 and 40 minutes old: some instances are silent, some not.
  'instances-stopped-reporting': { silent_minutes: 35 },
};
const rawQueries = loadAnalystQueries(join(DEFAULT_QUERIES_DIR, 'raw'));

function checks(): Check[] {
  const list: Check[] = [];
  for (const [prefix, set] of [
    ['query', queries],
    ['raw query', rawQueries],
  ] as const) {
    for (const [name, sql] of set) {
      list.push({
        id: `${prefix} ${name}`,
        sql,
        ...(QUERY_PARAMS[name] ? { params: QUERY_PARAMS[name] } : {}),
      });
    }
  }
  list.push({ id: 'view latest_status', sql: 'SELECT * FROM latest_status ORDER BY instance_id' });
  list.push({
    id: 'view daily_active_instances',
    sql: 'SELECT * FROM daily_active_instances ORDER BY day, version',
  });
  for (const table of ALL_TABLES) {
    list.push({ id: `FINAL count ${table}`, sql: `SELECT count() AS n FROM ${table} FINAL` });
  }
  list.push({
    id: 'non-finite sample values',
    sql:
      `SELECT name, label_values, toString(value) AS v, isNaN(value) AS nan, isInfinite(value) AS inf ` +
      `FROM prometheus_samples FINAL WHERE instance_id = '${NONFINITE_ID}' AND NOT isFinite(value) ` +
      'ORDER BY name, label_values',
  });
  list.push({
    id: 'sample units and created timestamps',
    sql:
      'SELECT event_id, family, unit, created_timestamp_us, count() AS samples FROM prometheus_samples FINAL ' +
      "WHERE unit != '' OR created_timestamp_us IS NOT NULL " +
      'GROUP BY event_id, family, unit, created_timestamp_us ORDER BY event_id, family',
  });
  // Every column of every row, as stored (non-finite floats are compared above: JSON has no NaN).
  for (const table of ALL_TABLES) {
    const order =
      { releases: 'channel, updated_at_us, tag', version_checks: 'event_id', decisions: 'decision_id' }[
        table
      ] ?? 'event_id, seq';
    const finite = table === 'prometheus_samples' ? ' WHERE isFinite(value)' : '';
    list.push({ id: `all rows ${table}`, sql: `SELECT * FROM ${table} FINAL${finite} ORDER BY ${order}` });
  }
  return list;
}
const CHECKS = checks();

/** 64-bit integers come quoted in JSON; floats may differ in the last digit between versions. */
function normalize(value: unknown): unknown {
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  if (typeof value === 'number' && !Number.isInteger(value)) return Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

// ---- the runs ----------------------------------------------------------------------------------

const proxy = new RecordingProxy(SERVER_URL ?? 'http://127.0.0.1:1');
let legacy: { version: string; results: Map<string, unknown[]>; optimized: Map<string, unknown[]> };
let single: ChdbRun;
let compact: ChdbRun;
let cluster: ChdbRun;
let clusterStatements: RecordedStatement[] = [];
let compactStatements: RecordedStatement[] = [];
let configDir = '';

function serverConfig(url: string): ClickHouseConfig {
  return { url, database: DATABASE };
}

async function deliverThroughProxy(proxyUrl: string): Promise<void> {
  const config = serverConfig(proxyUrl);
  await runMigrations(config);
  const client = createClickHouseClient(config);
  try {
    const writer = new BatchWriter({ client, database: DATABASE, tableOrder: LOADER_TABLES });
    for (const [statuses, versions, releases, checks, decisions] of DELIVERIES) {
      await deliverReports(writer, statuses, versions, releases, checks, decisions);
    }
  } finally {
    await client.close();
  }
}

async function runOnLegacy(): Promise<typeof legacy> {
  const config = serverConfig(SERVER_URL!);
  const run = async () => {
    const results = new Map<string, unknown[]>();
    for (const check of CHECKS) {
      results.set(check.id, await queryRows(config, bindQueryParams(check.sql, check.params ?? {})));
    }
    return results;
  };
  const [{ v }] = (await queryRows<{ v: string }>(config, 'SELECT version() AS v')) as [{ v: string }];
  const results = await run();
  const client = createClickHouseClient(config);
  try {
    for (const table of [...ALL_TABLES, ...PREAGGREGATES])
      await client.command({ query: `OPTIMIZE TABLE ${DATABASE}.${table} FINAL` });
  } finally {
    await client.close();
  }
  return { version: v, results, optimized: await run() };
}

/** Schema facts compared separately: 18.16 and current DESCRIBE differ in their extra columns. */
function schemaChecks(): ChdbStep[] {
  return [
    {
      id: 'schema engines',
      sql: `SELECT name, engine FROM system.tables WHERE database = '${DATABASE}' ORDER BY name`,
      format: 'JSONEachRow',
    },
    ...ALL_TABLES.map(
      (t): ChdbStep => ({ id: `schema columns ${t}`, sql: `DESCRIBE TABLE ${t}`, format: 'JSONEachRow' }),
    ),
  ];
}

/**
 * A server's input setting, which clickhouse-local (and so chDB) relaxes to `best_effort`: with
 * `basic`, the DateTime columns accept what the encoders send (epoch seconds) and nothing looser.
 */
const SERVER_DEFAULTS: ChdbStep[] = [
  { id: 'server defaults', sql: "SET date_time_input_format = 'basic'" },
  {
    id: 'server defaults in force',
    sql: "SELECT value FROM system.settings WHERE name = 'date_time_input_format'",
    format: 'JSONEachRow',
  },
];

/** chDB takes every {name:Type} parameter as text (a DateTime also as Unix seconds). */
function chdbParams(params: Record<string, string | number>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]));
}

/** The checks, then the same after OPTIMIZE ... FINAL (ids suffixed ` optimized`). */
function checkSteps(): ChdbStep[] {
  const steps: ChdbStep[] = [{ id: 'use', sql: `USE ${DATABASE}` }];
  for (const check of CHECKS) {
    steps.push({
      id: check.id,
      sql: check.sql,
      format: 'JSONEachRow',
      ...(check.params ? { params: chdbParams(check.params) } : {}),
    });
    if (check.params) {
      steps.push({
        id: `${check.id} (inlined)`,
        sql: bindQueryParams(check.sql, check.params),
        format: 'JSONEachRow',
      });
    }
  }
  for (const table of ALL_TABLES) {
    steps.push({ id: `raw count ${table}`, sql: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
  }
  steps.push(...schemaChecks());
  steps.push({ id: 'start merges', sql: 'SYSTEM START MERGES' });
  for (const table of [...ALL_TABLES, ...PREAGGREGATES])
    steps.push({ id: `optimize ${table}`, sql: `OPTIMIZE TABLE ${table} FINAL` });
  for (const check of CHECKS) {
    steps.push({
      id: `${check.id} optimized`,
      sql: check.sql,
      format: 'JSONEachRow',
      ...(check.params ? { params: chdbParams(check.params) } : {}),
    });
  }
  return steps;
}

/** The recorded statements, byte for byte, with the client's database binding as USE. */
let bodiesDir: string | null = null;

/**
 * A recorded statement as chDB can run it: a RowBinary insert's data is binary, not SQL text, so it is
 * written to a file and read back with FROM INFILE (same bytes, same format).
 */
function replayable(s: RecordedStatement): string {
  if (s.query === null || !/ FORMAT RowBinary$/.test(s.query)) return s.sql;
  bodiesDir ??= mkdtempSync(join(tmpdir(), 'opa-chdb-bodies-'));
  const file = join(bodiesDir, `${randomBytes(6).toString('hex')}.bin`);
  writeFileSync(file, s.body);
  return s.query.replace(/ FORMAT RowBinary$/, ` FROM INFILE '${file}' FORMAT RowBinary`);
}

function replaySteps(): ChdbStep[] {
  const steps: ChdbStep[] = [];
  let database: string | null = null;
  proxy.statements.forEach((s, i) => {
    if (s.database !== null && s.database !== database) {
      steps.push({ id: `replay use ${s.database}`, sql: `USE ${s.database}` });
      database = s.database;
    }
    for (const [k, v] of Object.entries(s.settings)) {
      steps.push({ id: `replay #${i} setting ${k}`, sql: `SET ${k} = '${v.replaceAll("'", "\\'")}'` });
    }
    steps.push({ id: `replay #${i}`, sql: replayable(s) });
  });
  return steps;
}

/** A replicated engine: ZooKeeper path, replica name, and a ReplacingMergeTree's version column if any. */
const REPLICATED = /Replicated(Replacing|Aggregating)MergeTree\('[^']*', '[^']*'(?:, (\w+))?\)/;

/** Cluster rendering made executable without ZooKeeper and distributed DDL. */
function withoutClusterDdl(statement: string): string {
  return statement
    .replaceAll(` ON CLUSTER ${CLUSTER}`, '')
    .replace(REPLICATED, (_m, kind: string, version?: string) => `${kind}MergeTree(${version ?? ''})`);
}

/**
 * The DDL of a recorded runner stream (the rest reads and writes schema_migrations), with the rebuild of
 * 020 (a RENAME and the INSERT ... SELECT copies; without a server to ask, the runner does all of it).
 */
function ddlOf(statements: RecordedStatement[]): string[] {
  return statements
    .map((s) => s.sql)
    .filter((sql) => /^(CREATE|DROP|ALTER|RENAME)\b/.test(sql) || /^INSERT INTO \S+\s+SELECT\b/.test(sql));
}
// (020's copies, INSERT ... SELECT, are not DDL: they run on the one server the runner talks to)
const clusterDdl = () => ddlOf(clusterStatements).filter((sql) => !/^INSERT\b/.test(sql));

/** The runner's statements, recorded without a server, for a server of `version`. */
async function recordRunner(version: string, cluster: string | null): Promise<RecordedStatement[]> {
  const recorder = new RecordingProxy(null);
  await runMigrations({ ...serverConfig(await recorder.start()), cluster }, { serverVersion: version });
  await recorder.stop();
  return recorder.statements;
}

/** A String query parameter's value is read in the escaped (TSV) format. */
function escapeParam(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\t', '\\t');
}

/** The recorded inserts (they target the plain names: the Distributed tables in cluster mode). */
function insertSteps(): ChdbStep[] {
  return proxy.statements
    .filter(
      (s) =>
        /^INSERT INTO \S+\.(?!schema_migrations)/.test(s.sql) && !/^INSERT INTO \S+\s+SELECT\b/.test(s.sql),
    )
    .map((s, i) => ({ id: `insert #${i}`, sql: replayable(s) }));
}

// ---- rows the server refuses -------------------------------------------------------------------

/**
 * Rows through the real encoders with a value no column can hold: one insert each. (prometheus_samples
 * goes as RowBinary, whose encoder refuses such a row before anything is sent: row-binary.test.ts.)
 */
function poisonRows(): { id: string; table: string; row: object }[] {
  const rows = flattenStatus(STATUS.fullRecent);
  const failing = rows.bundles.find((b) => b.error_rows.length > 0)!;
  return [
    {
      id: 'negative count (status_reports.sample_count UInt32)',
      table: 'status_reports',
      row: { ...rows.status_reports[0]!, sample_count: -1 },
    },
    {
      id: 'negative array element (bundles.error_rows Array(UInt32))',
      table: 'bundles',
      row: { ...failing, error_rows: failing.error_rows.map(() => -1) },
    },
    {
      id: 'negative heap (version_reports.heap_usage_bytes Nullable(UInt64))',
      table: 'version_reports',
      row: { ...flattenTelemetry(VERSIONS.c), heap_usage_bytes: -5 },
    },
  ];
}
const POISON_IDS = poisonRows().map((p) => p.id);

interface PoisonOutcome {
  id: string;
  /** What the BatchWriter threw on 18.16 (null: the server took the row). */
  error: ClickHouseStoreError | null;
  sql: string;
}
let poison: PoisonOutcome[] = [];

/** After the 18.16 checks (a row the server took would change their answers). */
async function poisonThroughProxy(): Promise<PoisonOutcome[]> {
  const recorder = new RecordingProxy(SERVER_URL!);
  const client = createClickHouseClient(serverConfig(await recorder.start()));
  const writer = new BatchWriter({ client, database: DATABASE, attempts: 1 });
  const outcomes: PoisonOutcome[] = [];
  try {
    for (const { id, table, row } of poisonRows()) {
      const batch = new TableBatch(new Map([...STATUS_TABLE_SPECS, ...TELEMETRY_TABLE_SPECS]));
      batch.add(table, [row]);
      const before = recorder.statements.length;
      let error: ClickHouseStoreError | null = null;
      try {
        await writer.write(batch);
      } catch (err) {
        if (!(err instanceof ClickHouseStoreError)) throw err;
        error = err;
      }
      outcomes.push({ id, error, sql: recorder.statements[before]?.sql ?? '' });
    }
  } finally {
    await client.close();
    await recorder.stop();
  }
  return outcomes;
}

beforeAll(async () => {
  if (!SERVER_URL) throw new Error('CLICKHOUSE_URL is not set (the integration global setup provides it)');
  const pythonPromise = chdbPython();
  const proxyUrl = await proxy.start();
  await deliverThroughProxy(proxyUrl);
  await proxy.stop();
  legacy = await runOnLegacy();
  poison = await poisonThroughProxy();
  const python = await pythonPromise;

  single = await runChdb(python, [
    ...SERVER_DEFAULTS,
    { id: 'stop merges', sql: 'SYSTEM STOP MERGES' },
    ...replaySteps(),
    ...checkSteps(),
    ...poison.map((p): ChdbStep => ({ id: `poison ${p.id}`, sql: p.sql })),
  ]);

  // The runner's statement streams for this current server, recorded without a server behind them.
  const currentVersion = single.engine_version;
  compactStatements = await recordRunner(currentVersion, null);
  clusterStatements = await recordRunner(currentVersion, CLUSTER);
  compact = await runChdb(python, [
    ...SERVER_DEFAULTS,
    ...ddlOf(compactStatements).map((sql, i): ChdbStep => ({ id: `ddl #${i}`, sql })),
    { id: 'stop merges', sql: 'SYSTEM STOP MERGES' },
    ...insertSteps(),
    ...checkSteps(),
    {
      id: 'codecs',
      sql:
        'SELECT table, name, type, compression_codec FROM system.columns ' +
        `WHERE database = '${DATABASE}' AND table IN ('prometheus_samples', 'status_reports') ORDER BY table, name`,
      format: 'JSONEachRow',
    },
  ]);
  configDir = mkdtempSync(join(tmpdir(), 'opa-chdb-config-'));
  const configFile = join(configDir, 'config.xml');
  writeFileSync(
    configFile,
    `<clickhouse>
  <tcp_port>9000</tcp_port>
  <remote_servers><${CLUSTER}><shard><replica><host>127.0.0.1</host><port>9000</port></replica></shard></${CLUSTER}></remote_servers>
  <macros><shard>01</shard><replica>r1</replica></macros>
</clickhouse>
`,
  );
  cluster = await runChdb(
    python,
    [
      ...SERVER_DEFAULTS,
      ...clusterDdl().map(
        (sql, i): ChdbStep => ({
          id: `parse #${i}`,
          sql: 'SELECT formatQuery({sql:String}) AS formatted',
          format: 'JSONEachRow',
          params: { sql: escapeParam(sql) },
        }),
      ),
      {
        id: 'cluster layout',
        sql: `SELECT shard_num, is_local FROM system.clusters WHERE cluster = '${CLUSTER}'`,
        format: 'JSONEachRow',
      },
      ...clusterStatements.map((s, i): ChdbStep => ({ id: `execute #${i}`, sql: withoutClusterDdl(s.sql) })),
      { id: 'stop merges', sql: 'SYSTEM STOP MERGES' },
      ...insertSteps(),
      ...checkSteps(),
    ],
    [['config-file', configFile]],
  );
}, 600_000);

afterAll(async () => {
  await proxy.stop();
  if (configDir) rmSync(configDir, { recursive: true, force: true });
  if (bodiesDir) rmSync(bodiesDir, { recursive: true, force: true });
  if (SERVER_URL) await dropDatabase(serverConfig(SERVER_URL));
});

function result(run: ChdbRun, id: string): ChdbResult {
  const r = run.results.find((x) => x.id === id);
  if (!r) throw new Error(`no step ${id}`);
  return r;
}

function rowsOf(run: ChdbRun, id: string): unknown[] {
  const r = result(run, id);
  if (!r.ok) throw new Error(`${id} failed on ClickHouse ${run.engine_version}: ${r.error}`);
  return r.rows ?? [];
}

function failures(run: ChdbRun, prefix: string): string[] {
  return run.results
    .filter((r) => r.id.startsWith(prefix) && !r.ok)
    .map((r) => `${r.id}: ${(r as { error: string }).error}`);
}

describe('ClickHouse versions under test', () => {
  it('compares the 18.16 server with a current ClickHouse release (with server input settings)', () => {
    expect(legacy.version).toMatch(/^\d+\.\d+/);
    for (const run of [single, cluster]) {
      expect(rowsOf(run, 'server defaults in force')).toEqual([{ value: 'basic' }]);
    }
    expect(Number(single.engine_version.split('.')[0])).toBeGreaterThanOrEqual(24);
    expect(single.engine_version).not.toBe(legacy.version);
  });
});

describe('single node: what the project sent to 18.16, replayed on current ClickHouse', () => {
  it('recorded the migration runner and the batch writer, and 18.16 accepted every statement', () => {
    expect(proxy.statements.filter((s) => s.status !== 200)).toEqual([]);
    expect(proxy.statements.filter((s) => /^CREATE TABLE/.test(s.sql)).length).toBeGreaterThanOrEqual(
      ALL_TABLES.length + 1,
    );
    expect(insertSteps().length).toBe(DELIVERIES.length * ALL_TABLES.length);
  });

  it('every statement (bootstrap, migrations, schema_migrations, inserts) succeeds', () => {
    expect(failures(single, 'replay')).toEqual([]);
    // + 2 views + schema_migrations + each pre-aggregate and its materialized view
    expect(rowsOf(single, 'schema engines').length).toBe(ALL_TABLES.length + 3 + 2 * PREAGGREGATES.length);
  });

  it('the same engines and column types as on 18.16', async () => {
    const config = serverConfig(SERVER_URL!);
    for (const step of schemaChecks()) {
      const sql = step.sql.startsWith('DESCRIBE')
        ? step.sql.replace('TABLE ', `TABLE ${DATABASE}.`)
        : step.sql;
      const old = (await queryRows<Record<string, string>>(config, sql)).map(({ name, type, engine }) => ({
        name,
        type,
        engine,
      }));
      const current = (rowsOf(single, step.id) as Record<string, string>[]).map(({ name, type, engine }) => ({
        name,
        type,
        engine,
      }));
      expect(current, step.id).toEqual(old);
    }
  });

  it('redelivered rows are there unmerged (so the queries have duplicates to cope with)', () => {
    for (const table of ALL_TABLES) {
      const [raw] = rowsOf(single, `raw count ${table}`) as { n: string }[];
      const [final] = rowsOf(single, `FINAL count ${table}`) as { n: string }[];
      expect(Number(raw!.n), table).toBeGreaterThan(Number(final!.n));
    }
  });

  it('units and created timestamps of both JSON spellings are stored on every sample of their metric (025)', () => {
    const expected = [
      {
        event_id: 'map-new',
        family: 'go_gc_duration_seconds',
        unit: 'seconds',
        created_timestamp_us: CREATED_US,
        samples: 7,
      },
      {
        event_id: 'proto-old',
        family: 'go_gc_cycles_automatic_gc_cycles_total',
        unit: 'gc_cycles',
        created_timestamp_us: CREATED_US,
        samples: 1,
      },
      {
        event_id: 'proto-old',
        family: 'http_request_duration_seconds',
        unit: 'seconds',
        created_timestamp_us: CREATED_US,
        samples: 13,
      },
    ];
    expect(normalize(legacy.results.get('sample units and created timestamps'))).toEqual(expected);
    expect(normalize(rowsOf(single, 'sample units and created timestamps'))).toEqual(expected);
  });

  it('NaN and ±Inf, as the row encoders write them, read back as NaN and ±Inf', () => {
    const rows = rowsOf(single, 'non-finite sample values') as { name: string; v: string }[];
    expect(rows.map((r) => [r.name, r.v])).toEqual([
      ['go_gc_duration_seconds', 'nan'],
      ['opa_test_nonfinite', 'nan'],
      ['opa_test_nonfinite', '-inf'],
      ['opa_test_nonfinite', 'inf'],
    ]);
  });

  it.each(Object.keys(QUERY_PARAMS))(
    '%s: {name:Type} query parameters give what the inlined literals give (18.16 has only the latter)',
    (name) => {
      const id = `query ${name}`;
      expect(rowsOf(single, id).length).toBeGreaterThan(0);
      expect(rowsOf(single, id)).toEqual(rowsOf(single, `${id} (inlined)`));
    },
  );

  it.each(CHECKS.map((c) => c.id))('%s: same answer as 18.16, before and after merges', (id) => {
    const expected = legacy.results.get(id)!;
    expect(expected.length, `${id} has rows on 18.16`).toBeGreaterThan(0);
    expect(normalize(rowsOf(single, id))).toEqual(normalize(expected));
    expect(normalize(rowsOf(single, `${id} optimized`))).toEqual(normalize(legacy.optimized.get(id)!));
  });
});

describe('rows the server refuses', () => {
  it.each(POISON_IDS)(
    '%s: refused on 18.16 (INSERT_REJECTED) and on current ClickHouse with the same code',
    (id) => {
      const outcome = poison.find((p) => p.id === id)!;
      expect(outcome.error, `18.16 took the row: ${outcome.sql}`).not.toBeNull();
      expect(outcome.error!.code).toBe('INSERT_REJECTED');
      const current = result(single, `poison ${id}`);
      expect(current.ok, 'current ClickHouse took the row').toBe(false);
      const message = current.ok ? '' : current.error;
      expect(serverCodeOf({ message }), message).toBe(outcome.error!.serverCode);
    },
  );
});

describe('single node, compact: the migrations rendered for current ClickHouse', () => {
  it('renders codecs and LowCardinality there (010-013) and every statement succeeds', () => {
    // 010-013 (six tables), 020's for the rebuilt prometheus_samples, 025's two ADD COLUMNs and its MODIFY
    expect(ddlOf(compactStatements).filter((sql) => /^ALTER TABLE/.test(sql)).length).toBe(10);
    expect(failures(compact, 'ddl')).toEqual([]);
    expect(failures(compact, 'insert')).toEqual([]);
    const columns = rowsOf(compact, 'codecs') as {
      table: string;
      name: string;
      type: string;
      compression_codec: string;
    }[];
    const column = (table: string, name: string) =>
      columns.find((c) => c.table === table && c.name === name)!;
    expect(column('prometheus_samples', 'name').type).toBe('LowCardinality(String)');
    expect(column('prometheus_samples', 'label_names').type).toBe('Array(LowCardinality(String))');
    // 020's codec (sorted by report, neighbours are different metrics: no Delta)
    expect(column('prometheus_samples', 'value').compression_codec).toBe('CODEC(ZSTD(9))');
    expect(column('prometheus_samples', 'label_values').type).toBe('Array(LowCardinality(String))');
    expect(column('prometheus_samples', 'event_id').compression_codec).toBe('CODEC(ZSTD(3))');
    expect(column('status_reports', 'user_agent').type).toBe('LowCardinality(Nullable(String))');
    expect(column('prometheus_samples', 'unit')).toMatchObject({
      type: 'LowCardinality(String)',
      compression_codec: 'CODEC(ZSTD(3))',
    });
    expect(column('prometheus_samples', 'created_timestamp_us')).toMatchObject({
      type: 'Nullable(Int64)',
      compression_codec: 'CODEC(Delta(8), ZSTD(3))',
    });
  });

  it('18.16 did not get them (its rendering leaves the compact migrations out; 025 adds its columns plain)', () => {
    expect(
      ddlOf(proxy.statements)
        .filter((sql) => /^ALTER TABLE/.test(sql))
        .map((sql) => sql.replace(/\s+/g, ' ')),
    ).toEqual([
      `ALTER TABLE ${DATABASE}.prometheus_samples ADD COLUMN unit String`,
      `ALTER TABLE ${DATABASE}.prometheus_samples ADD COLUMN created_timestamp_us Nullable(Int64)`,
    ]);
  });

  it.each(CHECKS.map((c) => c.id))('%s: same answer as 18.16, before and after merges', (id) => {
    expect(normalize(rowsOf(compact, id))).toEqual(normalize(legacy.results.get(id)!));
    expect(normalize(rowsOf(compact, `${id} optimized`))).toEqual(normalize(legacy.optimized.get(id)!));
  });
});

describe('cluster mode on current ClickHouse', () => {
  it('every statement of the cluster rendering parses (ON CLUSTER, Replicated engine, Distributed)', () => {
    const ddl = clusterDdl();
    expect(ddl.length).toBeGreaterThanOrEqual(2 * ALL_TABLES.length + 2 + 3 * PREAGGREGATES.length);
    expect(ddl.every((sql) => sql.includes(` ON CLUSTER ${CLUSTER}`))).toBe(true);
    // + schema_migrations and 020's prometheus_samples_rebuild_local; every pre-aggregate replicated,
    // and its view on the local tables of each shard
    expect(ddl.filter((sql) => REPLICATED.test(sql)).length).toBe(
      ALL_TABLES.length + 2 + PREAGGREGATES.length,
    );
    // + 025's prometheus_samples created again over its local table with the new columns
    expect(ddl.filter((sql) => /ENGINE = Distributed\(/.test(sql)).length).toBe(
      ALL_TABLES.length + PREAGGREGATES.length + 1,
    );
    const views = ddl.filter((sql) => /^CREATE MATERIALIZED VIEW/.test(sql));
    // + 018's view created again by 020 on the rebuilt table
    expect(views).toHaveLength(PREAGGREGATES.length + 1);
    for (const view of views) expect(view).toMatch(/\sTO \S+_local AS\s+SELECT\b[\s\S]*\sFROM \S+_local\b/);
    expect(failures(cluster, 'parse')).toEqual([]);
    // formatQuery gives the statement back in canonical form: the clause was parsed, not dropped.
    ddl.forEach((_sql, i) => {
      const [row] = rowsOf(cluster, `parse #${i}`) as { formatted: string }[];
      expect(row!.formatted).toContain(`ON CLUSTER ${CLUSTER}`);
    });
  });

  it('the cluster rendering, less ON CLUSTER and replication, executes on a one-shard cluster', () => {
    expect(rowsOf(cluster, 'cluster layout')).toEqual([{ shard_num: 1, is_local: 1 }]);
    expect(failures(cluster, 'execute')).toEqual([]);
    expect(failures(cluster, 'insert')).toEqual([]);
    const engines = rowsOf(cluster, 'schema engines') as { name: string; engine: string }[];
    expect(
      engines
        .filter((e) => e.engine === 'Distributed')
        .map((e) => e.name)
        .sort(),
    ).toEqual([...ALL_TABLES, ...PREAGGREGATES].sort());
  });

  it.each(CHECKS.map((c) => c.id))('%s through the Distributed tables: same answer as 18.16', (id) => {
    expect(normalize(rowsOf(cluster, id))).toEqual(normalize(legacy.results.get(id)!));
    expect(normalize(rowsOf(cluster, `${id} optimized`))).toEqual(normalize(legacy.optimized.get(id)!));
  });
});
