// Loader benchmark: pre-fills a status topic with N Avro status records and measures the real status-loader end to
// end (consume, decode, flatten, insert, commit) in rows/s and reports/s; next to it, in the same run and
// alternating with it round by round (`--rounds`), the straight RowBinary insert of the same rows (the
// loader's encoders and BatchWriter alone, from rows in memory: no Kafka, decode or flatten), and once the
// baseline of @clickhouse/client `insert()` with JSONEachRow (one insert per table per chunk). The straight
// insert encodes a batch, then waits for its INSERT; the loader fills its next batch while one is being
// inserted, so on a quiet machine it can beat it (over 100%).
//
// Shapes (`--shape`): `small` (default) is status-prometheus-map.json, 21 Prometheus samples + 1 bundle +
// 1 report row each; `real` is the status update a real OPA v1.22.3 sent with `prometheus: true`
// (test/fixtures/opa-real/v1.22.3/status-prometheus.json, 71 KB, about 150 families, 400 sample rows).
//
//   npx tsx test/bench/loader.bench.ts [--shape small|real] [--records 20000] [--chunk 100000] [--rounds 1]
//     [--without-migrations 20]   (the schema without those migrations: 20 = samples sorted by name, not by report)
//
// Needs KAFKA_BROKERS and CLICKHOUSE_URL (defaults: 127.0.0.1:19092, http://127.0.0.1:18123).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createClickHouseClient, runMigrations, STATUS_TABLE_SPECS } from '@opa-fleet/clickhouse';
import { normalizeStatus, type StatusReport, statusCodec } from '@opa-fleet/contracts';
import { flattenStatus, STATUS_TABLES, type StatusRows } from '@opa-fleet/flatten';
import { topicNames } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import { pino } from 'pino';
import { buildStatusLoader, loadStatusLoaderConfig } from '../../services/status-loader/src';
import { readFixture, realOpaStatusBodies } from '../support/fixtures';
import {
  dropRun,
  type LoaderTiming,
  migrationsDirWithout,
  prefillTopic,
  timeLoader,
  writeThroughLoaderWriter,
} from './loader-run';

const { values: args } = parseArgs({
  options: {
    shape: { type: 'string', default: 'small' },
    records: { type: 'string' },
    chunk: { type: 'string', default: '100000' },
    rounds: { type: 'string', default: '1' },
    'without-migrations': { type: 'string' },
  },
});
const SHAPES = ['small', 'real'];
if (!SHAPES.includes(args.shape)) throw new Error(`--shape must be one of ${SHAPES.join(', ')}`);
const REAL = args.shape === 'real';
const N = Number(args.records ?? (REAL ? 3000 : 20000));
const CHUNK = Number(args.chunk);
const ROUNDS = Math.max(1, Number(args.rounds));
const MIGRATIONS_DIR = args['without-migrations']
  ? migrationsDirWithout(args['without-migrations'].split(',').map(Number))
  : undefined;
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
// On the cluster stack (`eval "$(infra/bin/stack env --cluster)"`): replicated tables behind Distributed
// ones, and the loader in its cluster mode (synchronous Distributed inserts, exactly-once batches).
const cluster = process.env.CLICKHOUSE_CLUSTER || null;
const run = randomBytes(4).toString('hex');
const prefix = `bench-loader-${run}.`;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

const body = (
  REAL
    ? JSON.parse(
        realOpaStatusBodies().find((b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json')!
          .text,
      )
    : readFixture('status-prometheus-map.json')
) as { labels: Record<string, string> };
const now = Date.now() * 1000;
/**
 * Only the encoded records stay in memory while the loader runs (about what a loader process holds): the
 * rows for the baselines are made from them afterwards, so the loader's garbage collections do not also
 * walk a million row objects of the benchmark's own.
 */
const encodedRecords: { key: string; value: Buffer }[] = Array.from({ length: N }, (_, i) => {
  const report: StatusReport = normalizeStatus(
    { ...body, labels: { ...body.labels, id: `bench-instance-${i % 5000}` } },
    { eventId: `${run}-${i}`, receivedAt: now + i, gatewayId: 'bench', partition: null },
  );
  return { key: report.labels.id, value: statusCodec.encode(report) };
});

const perTable = (rows: StatusRows[]) =>
  Object.fromEntries(STATUS_TABLES.map((t) => [t, rows.reduce((n, r) => n + r[t].length, 0)])) as Record<
    (typeof STATUS_TABLES)[number],
    number
  >;

const prefill = () =>
  prefillTopic({
    brokers,
    clientId: `bench-${run}`,
    logger,
    topic: topicNames(prefix).status,
    records: encodedRecords,
  });

async function loaderRun(database: string, round: number) {
  const config = loadStatusLoaderConfig({
    KAFKA_BROKERS: brokers,
    CLICKHOUSE_URL: clickhouseUrl,
    CLICKHOUSE_DATABASE: database,
    TOPIC_PREFIX: prefix,
    GROUP_ID: `bench-${run}-${round}`,
    RUN_MIGRATIONS: 'false',
    PORT: '0',
    ...(cluster ? { CLICKHOUSE_CLUSTER: cluster } : {}),
  });
  const registry = createMetrics('bench-status-loader');
  const loader = buildStatusLoader({ config, logger, registry });
  return timeLoader(loader, registry, 'status_reports', N);
}

async function baselineRun(database: string, rows: StatusRows[]) {
  const client = createClickHouseClient({ url: clickhouseUrl, database });
  const t0 = performance.now();
  for (const table of STATUS_TABLES) {
    const all = rows.flatMap((r) => r[table] as object[]);
    for (let i = 0; i < all.length; i += CHUNK) {
      await client.insert({ table, values: all.slice(i, i + CHUNK), format: 'JSONEachRow' });
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  return seconds;
}

/** The same rows through the loader's own encoders and writer (RowBinary for samples), nothing else. */
const encodedBaselineRun = (database: string, rows: StatusRows[]) =>
  writeThroughLoaderWriter({
    url: clickhouseUrl,
    database,
    specs: STATUS_TABLE_SPECS,
    records: rows,
    perBatch: Math.max(1, Math.round(CHUNK / (totalRowsOf(rows[0]!) || 1))),
  });

const totalRowsOf = (r: StatusRows) => STATUS_TABLES.reduce((n, t) => n + r[t].length, 0);

function decodeFlattenOnly(encoded: Buffer[]) {
  const t0 = performance.now();
  let rows = 0;
  for (const b of encoded) {
    const r = flattenStatus(statusCodec.decode(b));
    rows += r.prometheus_samples.length + r.bundles.length + r.plugins.length + r.status_reports.length;
  }
  return { seconds: (performance.now() - t0) / 1000, rows };
}

async function main() {
  const databases: string[] = [];
  const database = async (name: string) => {
    const db = `bench_${name}_${run}`;
    await runMigrations(
      { url: clickhouseUrl, database: db, cluster },
      MIGRATIONS_DIR ? { dir: MIGRATIONS_DIR } : {},
    );
    databases.push(db);
    return db;
  };
  const cpu = decodeFlattenOnly(encodedRecords.slice(0, 5000).map((r) => r.value));
  await prefill();

  // Alternating rounds (the machine is noisy): the real loader from Kafka, then the same rows through its
  // encoders and writer alone. The rows are made between the two, outside either timing.
  const rounds: { loader: LoaderTiming; distinct: number; referenceSeconds: number }[] = [];
  let counts: ReturnType<typeof perTable> | null = null;
  let baselineSeconds = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const loaderDb = await database(`loader${round}`);
    const loader = await loaderRun(loaderDb, round);
    const admin = createClickHouseClient({ url: clickhouseUrl, database: 'default' });
    const check = await admin.query({
      query: `SELECT uniqExact(event_id) AS n FROM ${loaderDb}.status_reports`,
      format: 'JSONEachRow',
    });
    const [{ n }] = (await check.json()) as [{ n: string }];
    await admin.close();
    let rows: StatusRows[] | null = encodedRecords.map((r) => flattenStatus(statusCodec.decode(r.value)));
    counts ??= perTable(rows);
    if (round === 0) baselineSeconds = await baselineRun(await database('baseline'), rows);
    const referenceSeconds = await encodedBaselineRun(await database(`encoded${round}`), rows);
    rows = null;
    rounds.push({ loader, distinct: Number(n), referenceSeconds });
  }
  await dropRun({ clickhouseUrl, databases, brokers, topics: [topicNames(prefix).status] });

  const totalRows = Object.values(counts!).reduce((a, b) => a + b, 0);
  const samples = counts!.prometheus_samples;
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(
    `shape: ${args.shape}, schema: ${MIGRATIONS_DIR ? `every migration but ${args['without-migrations']}` : 'all migrations'}, records: ${N}, rows per table: ${JSON.stringify(counts)} (total ${totalRows})`,
  );
  console.log(
    `decode+flatten only (${Math.min(N, 5000)} records, no I/O): ${fmt(cpu.rows / cpu.seconds)} rows/s`,
  );
  console.log(
    `baseline straight insert (@clickhouse/client JSONEachRow, chunks of ${CHUNK}, round 1): ${baselineSeconds.toFixed(2)} s, ` +
      `${fmt(totalRows / baselineSeconds)} rows/s (${fmt(samples / baselineSeconds)} sample rows/s); ` +
      `loader / baseline (round 1): ${((100 * baselineSeconds) / rounds[0]!.loader.seconds).toFixed(0)}%`,
  );
  const ratios: number[] = [];
  rounds.forEach(({ loader, distinct, referenceSeconds }, i) => {
    const ratio = referenceSeconds / loader.seconds;
    ratios.push(ratio);
    console.log(
      `round ${i + 1}: status-loader end to end ${loader.seconds.toFixed(2)} s, ${fmt(N / loader.seconds)} reports/s, ` +
        `${fmt(totalRows / loader.seconds)} rows/s (${fmt(samples / loader.seconds)} sample rows/s), ${loader.flushes} flushes ` +
        `taking ${loader.flushSeconds.toFixed(2)} s (inserts ${loader.insertSeconds.toFixed(2)} s), distinct reports ${distinct}; ` +
        `straight RowBinary insert of the same rows (the loader's encoders and BatchWriter only, batches of ~${CHUNK} rows) ` +
        `${referenceSeconds.toFixed(2)} s, ${fmt(N / referenceSeconds)} reports/s, ${fmt(totalRows / referenceSeconds)} rows/s; ` +
        `loader / straight insert ${(100 * ratio).toFixed(0)}%`,
    );
  });
  const sorted = [...ratios].sort((a, b) => a - b);
  console.log(
    `loader / straight RowBinary insert: median ${(100 * sorted[Math.floor(sorted.length / 2)]!).toFixed(0)}% ` +
      `(rounds ${ratios.map((r) => `${(100 * r).toFixed(0)}%`).join(', ')})`,
  );
  for (const r of rounds)
    if (r.distinct !== N) throw new Error(`expected ${N} distinct reports, found ${r.distinct}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
