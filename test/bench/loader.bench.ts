// Loader benchmark: pre-fills a status topic with N Avro status records and measures the real status-loader end to
// end (consume, decode, flatten, insert, commit) in rows/s and records/s; next to it, in the same
// run, the baseline: the same rows inserted straight from memory with @clickhouse/client
// (JSONEachRow, one insert per table per chunk).
//
// Shapes (`--shape`): `small` (default) is status-prometheus-map.json, 21 Prometheus samples + 1 bundle +
// 1 report row each; `real` is the status update a real OPA v1.22.3 sent with `prometheus: true`
// (test/fixtures/opa-real/v1.22.3/status-prometheus.json, 71 KB, about 150 families, 400 sample rows).
//
//   npx tsx test/bench/loader.bench.ts [--shape small|real] [--records 20000] [--chunk 100000]
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
import { dropRun, prefillTopic, timeLoader, writeThroughLoaderWriter } from './loader-run';

const { values: args } = parseArgs({
  options: {
    shape: { type: 'string', default: 'small' },
    records: { type: 'string' },
    chunk: { type: 'string', default: '100000' },
  },
});
const SHAPES = ['small', 'real'];
if (!SHAPES.includes(args.shape)) throw new Error(`--shape must be one of ${SHAPES.join(', ')}`);
const REAL = args.shape === 'real';
const N = Number(args.records ?? (REAL ? 3000 : 20000));
const CHUNK = Number(args.chunk);
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
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
const reports: StatusReport[] = Array.from({ length: N }, (_, i) =>
  normalizeStatus(
    { ...body, labels: { ...body.labels, id: `bench-instance-${i % 5000}` } },
    { eventId: `${run}-${i}`, receivedAt: now + i, gatewayId: 'bench', partition: null },
  ),
);

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
    records: reports.map((r) => ({ key: r.labels.id, value: statusCodec.encode(r) })),
  });

async function loaderRun(database: string) {
  const config = loadStatusLoaderConfig({
    KAFKA_BROKERS: brokers,
    CLICKHOUSE_URL: clickhouseUrl,
    CLICKHOUSE_DATABASE: database,
    TOPIC_PREFIX: prefix,
    GROUP_ID: `bench-${run}`,
    RUN_MIGRATIONS: 'false',
    PORT: '0',
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
  const loaderDb = `bench_loader_${run}`;
  const baselineDb = `bench_baseline_${run}`;
  await runMigrations({ url: clickhouseUrl, database: loaderDb });
  await runMigrations({ url: clickhouseUrl, database: baselineDb });
  const rows = reports.map(flattenStatus);
  const counts = perTable(rows);
  const totalRows = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(
    `shape: ${args.shape}, records: ${N}, rows per table: ${JSON.stringify(counts)} (total ${totalRows})`,
  );

  const encoded = reports.slice(0, Math.min(N, 5000)).map((r) => statusCodec.encode(r));
  const cpu = decodeFlattenOnly(encoded);

  await prefill();
  const loader = await loaderRun(loaderDb);
  const baselineSeconds = await baselineRun(baselineDb, rows);
  const encodedDb = `bench_encoded_${run}`;
  await runMigrations({ url: clickhouseUrl, database: encodedDb });
  const encodedSeconds = await encodedBaselineRun(encodedDb, rows);

  const admin = createClickHouseClient({ url: clickhouseUrl, database: 'default' });
  const check = await admin.query({
    query: `SELECT uniqExact(event_id) AS n FROM ${loaderDb}.status_reports`,
    format: 'JSONEachRow',
  });
  const [{ n }] = (await check.json()) as [{ n: string }];
  await admin.close();
  await dropRun({
    clickhouseUrl,
    databases: [loaderDb, baselineDb, encodedDb],
    brokers,
    topics: [topicNames(prefix).status],
  });

  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const loaderRows = totalRows / loader.seconds;
  const baselineRows = totalRows / baselineSeconds;
  console.log(
    `decode+flatten only (${encoded.length} records, no I/O): ${fmt(cpu.rows / cpu.seconds)} rows/s`,
  );
  console.log(
    `status-loader end to end: ${loader.seconds.toFixed(2)} s, ${fmt(N / loader.seconds)} records/s, ` +
      `${fmt(loaderRows)} rows/s (${fmt(counts.prometheus_samples / loader.seconds)} sample rows/s), ${loader.flushes} flushes ` +
      `taking ${loader.flushSeconds.toFixed(2)} s (inserts ${loader.insertSeconds.toFixed(2)} s); ` +
      `distinct reports in ClickHouse: ${n}`,
  );
  console.log(
    `baseline straight insert (@clickhouse/client JSONEachRow, chunks of ${CHUNK}): ${baselineSeconds.toFixed(2)} s, ` +
      `${fmt(baselineRows)} rows/s (${fmt(counts.prometheus_samples / baselineSeconds)} sample rows/s)`,
  );
  console.log(`loader / baseline: ${((100 * loaderRows) / baselineRows).toFixed(0)}%`);
  const encodedRows = totalRows / encodedSeconds;
  console.log(
    `reference: the same rows through the loader's encoders and BatchWriter only (RowBinary samples, ` +
      `batches of ~${CHUNK} rows): ${encodedSeconds.toFixed(2)} s, ${fmt(N / encodedSeconds)} records/s, ${fmt(encodedRows)} rows/s ` +
      `(${fmt(counts.prometheus_samples / encodedSeconds)} sample rows/s); loader / reference: ` +
      `${((100 * loaderRows) / encodedRows).toFixed(0)}%`,
  );
  if (Number(n) !== N) throw new Error(`expected ${N} distinct reports, found ${n}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
