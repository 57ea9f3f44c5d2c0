// Fleet-scale query benchmark: generates a fleet's data inside ClickHouse (fleet-data.ts: 100 M version
// reports from 1 M instances, 100 M Prometheus sample rows, ...) into a database of its own, with the
// pre-aggregates filled by their materialized views as the rows go in, then times every documented
// query (schemas/clickhouse/queries) and, as the baseline measured in the same run, its raw-table
// counterpart (queries/raw, once, with a time limit).
//
//   npm run bench -- queries
//   npx tsx test/bench/queries.bench.ts [--database bench_fleet] [--reuse] [--runs 5] [--raw-timeout 60] [--slices 2]
//     [--no-raw] [--version-reports 100000000] [--samples 100000000] [--instances 1000000]
//     [--prometheus-instances 100000] [--decisions 10000000] [--version-checks 10000000] [--min-free-gb 20]
//     [--only name,name] (time only these documented queries)
//     [--refresh table,table] (with --reuse: these tables and the pre-aggregates fed from them emptied
//      and generated again, ending now, so the "last hour" questions have data again; e.g.
//      --refresh decisions,status_reports,bundles)
//
// Needs CLICKHOUSE_URL (default http://127.0.0.1:18123). The database is dropped and made again unless
// --reuse (then the time windows of "last hour" questions have moved on since it was generated).
import { statfsSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  bindQueryParams,
  createClickHouseClient,
  DEFAULT_QUERIES_DIR,
  loadAnalystQueries,
  loadMigrations,
  planBackfill,
  runMigrations,
  templateContext,
} from '@opa-fleet/clickhouse';
import { DEFAULT_SHAPE, type FleetShape, fleetInserts, sampleTemplates } from './fleet-data';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: 'bench_fleet' },
    reuse: { type: 'boolean', default: false },
    runs: { type: 'string', default: '5' },
    slices: { type: 'string', default: '2' },
    'raw-timeout': { type: 'string', default: '60' },
    'no-raw': { type: 'boolean', default: false },
    'version-reports': { type: 'string', default: String(DEFAULT_SHAPE.versionReports) },
    samples: { type: 'string', default: String(DEFAULT_SHAPE.samples) },
    instances: { type: 'string', default: String(DEFAULT_SHAPE.instances) },
    'prometheus-instances': { type: 'string', default: String(DEFAULT_SHAPE.prometheusInstances) },
    decisions: { type: 'string', default: String(DEFAULT_SHAPE.decisions) },
    'version-checks': { type: 'string', default: String(DEFAULT_SHAPE.versionChecks) },
    'min-free-gb': { type: 'string', default: '20' },
    only: { type: 'string' },
    refresh: { type: 'string' },
  },
});
const database = args.database;
if (!/^bench_[A-Za-z0-9_]+$/.test(database))
  throw new Error('--database must start with bench_ (it is dropped)');
const url = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
const config = { url, database, requestTimeoutMs: 3 * 3600_000 };
const client = createClickHouseClient(config);
const RUNS = Number(args.runs);
const SLICES = Number(args.slices);
const RAW_TIMEOUT_S = Number(args['raw-timeout']);
const FIXTURE = join(import.meta.dirname, '../fixtures/opa-real/v0.70.0/status-prometheus.json');

const shape: FleetShape = {
  ...DEFAULT_SHAPE,
  versionReports: Number(args['version-reports']),
  samples: Number(args.samples),
  instances: Number(args.instances),
  prometheusInstances: Number(args['prometheus-instances']),
  decisions: Number(args.decisions),
  versionChecks: Number(args['version-checks']),
  end: Math.floor(Date.now() / 1000),
};

const seconds = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 3 : 1);
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function rows<T>(query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

/** Free space where the stack keeps its data (this checkout's .state, or the working directory). */
function freeGb(): number {
  const s = statfsSync(process.cwd());
  return (s.bavail * s.bsize) / 1e9;
}

async function generate(): Promise<void> {
  const free = freeGb();
  console.log(`free disk: ${free.toFixed(0)} GB (need ${args['min-free-gb']} GB)`);
  if (free < Number(args['min-free-gb'])) throw new Error('not enough free disk space for the fleet data');
  const admin = createClickHouseClient(config, { database: 'default' });
  await admin.command({ query: `DROP DATABASE IF EXISTS ${database}` });
  await admin.close();
  await runMigrations(config);
  const templates = sampleTemplates(FIXTURE);
  console.log(
    `generating: ${shape.versionReports.toLocaleString()} version reports from ${shape.instances.toLocaleString()} instances over ${shape.days} days; ` +
      `${shape.samples.toLocaleString()} sample rows (${templates.length} per status report, ${new Set(templates.map((t) => t.family)).size} families) ` +
      `from ${shape.prometheusInstances.toLocaleString()} instances over ${shape.statusHours} h; ${shape.decisions.toLocaleString()} decisions; ` +
      `${shape.versionChecks.toLocaleString()} version checks (load average ${load()})`,
  );
  const started = performance.now();
  const insert = async (table: string, statements: string[]) => {
    const t0 = performance.now();
    // Small source blocks: each numbers() row expands (arrayJoin) to up to 360 rows.
    await Promise.all(
      statements.map((query) =>
        client.command({
          query,
          clickhouse_settings: { max_block_size: '2048', max_memory_usage: '8000000000' },
        }),
      ),
    );
    console.log(`  ${table.padEnd(20)} ${seconds(performance.now() - t0).padStart(8)} s (with its views)`);
  };
  const slices = Array.from({ length: SLICES }, (_, index) =>
    fleetInserts(database, shape, templates, { index, count: SLICES }),
  );
  const ofTable = (table: string) => slices.map((s) => s.find(([t]) => t === table)![1]);
  // The two big tables side by side, each in SLICES concurrent inserts; the small ones after.
  await Promise.all(['version_reports', 'prometheus_samples'].map((t) => insert(t, ofTable(t))));
  for (const [table, sql] of fleetInserts(database, shape, templates)) {
    if (table !== 'version_reports' && table !== 'prometheus_samples') await insert(table, [sql]);
  }
  console.log(`generated in ${seconds(performance.now() - started)} s (load average ${load()})`);
}

async function describeData(): Promise<string[]> {
  const counts = await rows<{ table: string; rows: string; parts: string; disk: string; raw: string }>(
    `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS disk, sum(data_uncompressed_bytes) AS raw
     FROM system.parts WHERE database = '${database}' AND active GROUP BY table ORDER BY table`,
  );
  let total = 0;
  for (const c of counts) {
    total += Number(c.disk);
    console.log(
      `  ${c.table.padEnd(30)} ${Number(c.rows).toLocaleString().padStart(13)} rows ${c.parts.padStart(4)} parts ` +
        `${(Number(c.disk) / 1e6).toFixed(1).padStart(9)} MB on disk (${(Number(c.raw) / 1e6).toFixed(0)} MB uncompressed)`,
    );
  }
  console.log(`  on disk in total: ${(total / 1e9).toFixed(2)} GB`);
  return counts.map((c) => c.table);
}

interface Timing {
  name: string;
  median: number;
  max: number;
  rows: number;
  raw: number | string;
  rawRows: number | null;
  calibration: number;
}

async function timeQuery(sql: string, settings: Record<string, string | number> = {}) {
  const t0 = performance.now();
  const text = await (
    await client.query({ query: sql, format: 'JSONEachRow', clickhouse_settings: settings })
  ).text();
  return { ms: performance.now() - t0, rows: text.length === 0 ? 0 : text.trimEnd().split('\n').length };
}

/**
 * Values for every documented query's parameters, as an operator would give them: an instance and a
 * decision that exist, the last hour of decisions (2 hours for the per-hour and per-instance ones), the
 * console's default silence of 30 minutes. An unknown parameter fails the run (bindQueryParams).
 */
async function queryParams(): Promise<Record<string, Record<string, string | number>>> {
  const [status] = await rows<{ id: string }>('SELECT instance_id AS id FROM status_reports LIMIT 1');
  const [decision] = await rows<{ id: string; instance: string }>(
    'SELECT decision_id AS id, instance_id AS instance FROM decisions LIMIT 1',
  );
  const now = Math.floor(Date.now() / 1000);
  const lastHour = { from: now - 3600, to: now };
  const lastTwoHours = { from: now - 7200, to: now };
  return {
    'latest-status-of-instance': { instance_id: status!.id },
    'decision-by-id': { decision_id: decision!.id },
    'decisions-of-instance': { instance_id: decision!.instance, ...lastTwoHours },
    'decision-eval-time-per-path': lastHour,
    'decisions-allow-share-per-path-and-revision': lastHour,
    'decisions-per-path-per-hour': lastTwoHours,
    'instances-stopped-reporting': { silent_minutes: 30 },
  };
}

/**
 * How fast the server is right now: a fixed scan (sum of 100 M numbers: 0.29 s at load average 6 on
 * the 2-core development machine, 5 s at load 23), timed beside every query, so figures measured on a
 * shared, loaded machine can be read against the CPU the server actually had.
 */
const CALIBRATION = 'SELECT sum(number) FROM numbers(100000000)';

/** Empties `tables` and the pre-aggregates their views feed, and generates those tables again (ending now). */
async function refresh(tables: string[]): Promise<void> {
  const statements = new Map(fleetInserts(database, shape, sampleTemplates(FIXTURE)));
  const unknown = tables.filter((t) => !statements.has(t));
  if (unknown.length > 0) throw new Error(`--refresh: no generated table ${unknown.join(', ')}`);
  const steps = planBackfill(loadMigrations(), templateContext(config));
  for (const table of tables) {
    const targets = steps.filter((s) => s.source === `${database}.${table}`).map((s) => s.target);
    const t0 = performance.now();
    for (const t of [`${database}.${table}`, ...targets])
      await client.command({ query: `TRUNCATE TABLE ${t}` });
    await client.command({
      query: statements.get(table)!,
      clickhouse_settings: { max_block_size: '2048', max_memory_usage: '8000000000' },
    });
    console.log(
      `refreshed ${table} and ${targets.length} pre-aggregates (${targets.map((t) => t.slice(database.length + 1)).join(', ')}) ` +
        `in ${seconds(performance.now() - t0)} s (load average ${load()})`,
    );
  }
}

async function main(): Promise<void> {
  if (!args.reuse) await generate();
  else if (args.refresh) await refresh(args.refresh.split(','));
  const tables = await describeData();
  if (!tables.includes('instance_versions'))
    throw new Error(`${database} has no pre-aggregates: run without --reuse`);

  const params = await queryParams();
  const only = args.only?.split(',');
  const queries = new Map([...loadAnalystQueries()].filter(([name]) => !only || only.includes(name)));
  const unknown = (only ?? []).filter((name) => !loadAnalystQueries().has(name));
  if (unknown.length > 0) throw new Error(`--only: no documented query ${unknown.join(', ')}`);
  const raw = loadAnalystQueries(join(DEFAULT_QUERIES_DIR, 'raw'));
  console.log(`\ntiming ${queries.size} documented queries, ${RUNS} runs each (load average ${load()})`);
  const timings: Timing[] = [];
  for (const [name, template] of queries) {
    const sql = bindQueryParams(template, params[name] ?? {});
    const runs: number[] = [];
    let count = 0;
    for (let i = 0; i < RUNS; i++) {
      const r = await timeQuery(sql);
      runs.push(r.ms);
      count = r.rows;
    }
    runs.sort((a, b) => a - b);
    const calibration = (await timeQuery(CALIBRATION)).ms;
    let rawMs: number | string = 'skipped';
    let rawRows: number | null = null;
    const rawSql = raw.get(name);
    if (!args['no-raw'] && rawSql) {
      try {
        const r = await timeQuery(bindQueryParams(rawSql, params[name] ?? {}), {
          max_execution_time: RAW_TIMEOUT_S,
          max_memory_usage: 6_000_000_000,
        });
        rawMs = r.ms;
        rawRows = r.rows;
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        rawMs = /TIMEOUT|159/.test(message)
          ? `> ${RAW_TIMEOUT_S} s`
          : /MEMORY|241/.test(message)
            ? 'over 6 GB'
            : `failed: ${message.slice(0, 60)}`;
      }
    }
    const t: Timing = {
      name,
      median: runs[Math.floor(runs.length / 2)]!,
      max: runs.at(-1)!,
      rows: count,
      raw: rawMs,
      rawRows,
      calibration,
    };
    timings.push(t);
    console.log(
      `  ${name.padEnd(38)} median ${seconds(t.median).padStart(7)} s  max ${seconds(t.max).padStart(7)} s  ${String(t.rows).padStart(7)} rows` +
        `  calibration ${seconds(t.calibration)} s (load ${load()})` +
        `   raw tables: ${typeof t.raw === 'number' ? `${seconds(t.raw)} s, ${t.rawRows} rows, ${(t.raw / t.median).toFixed(0)}x` : t.raw}`,
    );
  }
  const slow = timings.filter((t) => t.max >= 1000);
  console.log(
    `\n${timings.length - slow.length}/${timings.length} documented queries under 1 s (max of ${RUNS} runs); load average ${load()}` +
      (slow.length > 0 ? `; over: ${slow.map((t) => t.name).join(', ')}` : ''),
  );
}

try {
  await main();
} finally {
  await client.close();
}
