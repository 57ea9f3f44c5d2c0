// Loader benchmark: pre-fills a status topic with N Avro status records (status-prometheus-map.json:
// 21 Prometheus samples + 1 bundle + 1 report row each) and measures the real status-loader end to
// end (consume, decode, flatten, insert, commit) in rows/s and records/s; next to it, in the same
// run, the baseline: the same rows inserted straight from memory with @clickhouse/client
// (JSONEachRow, one insert per table per chunk).
//
//   npx tsx test/bench/loader.bench.ts [--records 20000] [--chunk 100000]
//
// Needs KAFKA_BROKERS and CLICKHOUSE_URL (defaults: 127.0.0.1:19092, http://127.0.0.1:18123).
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import {
  BatchWriter,
  createClickHouseClient,
  runMigrations,
  STATUS_TABLE_SPECS,
  TableBatch,
} from '@opa-fleet/clickhouse';
import { normalizeStatus, type StatusReport, statusCodec } from '@opa-fleet/contracts';
import { flattenStatus, STATUS_TABLES, type StatusRows } from '@opa-fleet/flatten';
import { createKafkaClient, topicNames } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import { pino } from 'pino';
import type { Counter } from 'prom-client';
import { buildStatusLoader, loadStatusLoaderConfig } from '../../services/status-loader/src';
import { readFixture } from '../support/fixtures';

const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '20000' }, chunk: { type: 'string', default: '100000' } },
});
const N = Number(args.records);
const CHUNK = Number(args.chunk);
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:19092';
const clickhouseUrl = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
const run = randomBytes(4).toString('hex');
const prefix = `bench-loader-${run}.`;
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });

const body = readFixture('status-prometheus-map.json') as { labels: Record<string, string> };
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

async function prefill(): Promise<void> {
  const kafka = createKafkaClient({ brokers: brokers.split(','), clientId: `bench-${run}`, logger });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: topicNames(prefix).status, numPartitions: 3 }],
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  for (let i = 0; i < N; i += 2000) {
    await producer.send({
      topic: topicNames(prefix).status,
      acks: -1,
      messages: reports.slice(i, i + 2000).map((r) => ({ key: r.labels.id, value: statusCodec.encode(r) })),
    });
  }
  await producer.disconnect();
}

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
  const fetched = registry.getSingleMetric('loader_records_fetched_total') as Counter;
  const inserted = registry.getSingleMetric('loader_rows_inserted_total') as Counter;
  const total = async (c: Counter) => (await c.get()).values.reduce((n, v) => n + v.value, 0);
  const reportsInserted = async () =>
    (await inserted.get()).values.find((v) => v.labels.table === 'status_reports')?.value ?? 0;

  await loader.start();
  // Clock starts at the first fetched record (excludes the consumer-group join).
  while ((await total(fetched)) === 0) await new Promise((r) => setTimeout(r, 2));
  const t0 = performance.now();
  while ((await reportsInserted()) < N || loader.consumer.status().pendingRecords > 0) {
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  const histogram = async (name: string, suffix: '_count' | '_sum') =>
    (await (registry.getSingleMetric(name) as Counter).get()).values
      .filter((v) => (v as { metricName?: string }).metricName === `${name}${suffix}`)
      .reduce((n, v) => n + v.value, 0);
  const flushes = await histogram('loader_batch_rows', '_count');
  const flushSeconds = await histogram('loader_flush_duration_seconds', '_sum');
  const insertSeconds = await histogram('loader_insert_duration_seconds', '_sum');
  await loader.stop();
  return { seconds, flushes, flushSeconds, insertSeconds };
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
async function encodedBaselineRun(database: string, rows: StatusRows[]) {
  const client = createClickHouseClient({ url: clickhouseUrl, database });
  const writer = new BatchWriter({ client, database, tableOrder: STATUS_TABLES });
  const t0 = performance.now();
  const perChunk = Math.max(1, Math.round(CHUNK / (totalRowsOf(rows[0]!) || 1)));
  for (let i = 0; i < rows.length; i += perChunk) {
    const batch = new TableBatch(STATUS_TABLE_SPECS);
    for (const r of rows.slice(i, i + perChunk)) batch.addAll(Object.entries(r));
    await writer.write(batch);
  }
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  return seconds;
}

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
  console.log(`records: ${N}, rows per table: ${JSON.stringify(counts)} (total ${totalRows})`);

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
  for (const db of [loaderDb, baselineDb, encodedDb])
    await admin.command({ query: `DROP DATABASE IF EXISTS ${db}` });
  await admin.close();
  await import('kafkajs').then(async ({ Kafka }) => {
    const a = new Kafka({
      brokers: brokers.split(','),
      clientId: `bench-cleanup-${run}`,
      logLevel: 0,
    }).admin();
    await a.connect();
    await a.deleteTopics({ topics: [topicNames(prefix).status] }).catch(() => undefined);
    await a.disconnect();
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
      `batches of ~${CHUNK} rows): ${encodedSeconds.toFixed(2)} s, ${fmt(encodedRows)} rows/s ` +
      `(${fmt(counts.prometheus_samples / encodedSeconds)} sample rows/s); loader / reference: ` +
      `${((100 * loaderRows) / encodedRows).toFixed(0)}%`,
  );
  if (Number(n) !== N) throw new Error(`expected ${N} distinct reports, found ${n}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
