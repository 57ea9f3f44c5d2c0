// What the loader benchmarks share: a topic pre-filled with encoded records, a real loader timed from its
// first fetched record until every row is in ClickHouse (read from its own metrics), the same rows written
// through the loaders' encoders and BatchWriter alone (the baseline), and the clean-up.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BatchWriter,
  createClickHouseClient,
  LOADER_TABLES,
  loadMigrations,
  TableBatch,
  type TableSpec,
} from '@opa-fleet/clickhouse';
import { createKafkaClient } from '@opa-fleet/kafka';
import type { LoaderService } from '@opa-fleet/loader';
import { Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { Counter, Registry } from 'prom-client';

export interface EncodedRecord {
  key: string;
  value: Buffer;
}

/** Creates `topic` (3 partitions) and fills it with `records`, idempotent producer, acks=all. */
export async function prefillTopic(options: {
  brokers: string;
  clientId: string;
  logger: Logger;
  topic: string;
  records: readonly EncodedRecord[];
}): Promise<void> {
  const { topic, records } = options;
  const kafka = createKafkaClient({
    brokers: options.brokers.split(','),
    clientId: options.clientId,
    logger: options.logger,
  });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3 }] });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  // Sends of about 700 KB: under the broker's 1 MB per record batch even when one key (one partition) has them all.
  const average = records.reduce((n, r) => n + r.value.length, 0) / Math.max(1, records.length);
  const perSend = Math.max(1, Math.min(2000, Math.floor(700_000 / average)));
  for (let i = 0; i < records.length; i += perSend) {
    await producer.send({ topic, acks: -1, messages: records.slice(i, i + perSend) });
  }
  await producer.disconnect();
}

export interface LoaderTiming {
  seconds: number;
  flushes: number;
  flushSeconds: number;
  insertSeconds: number;
}

/**
 * Starts `loader` and times it from its first fetched record (the consumer-group join excluded) until
 * `table` holds `rows` rows by its insert counter and nothing is pending; then stops it.
 */
export async function timeLoader(
  loader: LoaderService,
  registry: Registry,
  table: string,
  rows: number,
): Promise<LoaderTiming> {
  const fetched = registry.getSingleMetric('loader_records_fetched_total') as Counter;
  const inserted = registry.getSingleMetric('loader_rows_inserted_total') as Counter;
  const total = async (c: Counter) => (await c.get()).values.reduce((n, v) => n + v.value, 0);
  const rowsInserted = async () =>
    (await inserted.get()).values.find((v) => v.labels.table === table)?.value ?? 0;
  // The clock starts at the first fetch, when the loader counts it: polling the counter would see it only
  // once the whole first fetch response is processed (no timer runs in between), late by more the larger
  // the fetches are.
  let t0 = Number.NaN;
  const inc = fetched.inc.bind(fetched);
  fetched.inc = ((...args: Parameters<Counter['inc']>) => {
    if (Number.isNaN(t0)) t0 = performance.now();
    return inc(...args);
  }) as Counter['inc'];
  await loader.start();
  while ((await total(fetched)) === 0) await new Promise((r) => setTimeout(r, 2));
  while ((await rowsInserted()) < rows || loader.consumer.status().pendingRecords > 0) {
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

/**
 * The rows of each record (by table) through the loaders' own encoders (TableBatch) and writer
 * (BatchWriter), `perBatch` records per insert, nothing else: no Kafka, no decode, no flatten.
 * Returns the seconds taken.
 */
export async function writeThroughLoaderWriter<T extends object>(options: {
  url: string;
  database: string;
  specs: ReadonlyMap<string, TableSpec>;
  /** Per record, its rows by table (`{ decisions: [row] }`). */
  records: readonly T[];
  perBatch: number;
}): Promise<number> {
  const { records, perBatch } = options;
  const client = createClickHouseClient({ url: options.url, database: options.database });
  const writer = new BatchWriter({ client, database: options.database, tableOrder: LOADER_TABLES });
  const t0 = performance.now();
  for (let i = 0; i < records.length; i += perBatch) {
    const batch = new TableBatch(options.specs);
    for (const r of records.slice(i, i + perBatch)) batch.addAll(Object.entries(r) as [string, object[]][]);
    await writer.write(batch);
  }
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  return seconds;
}

/** Drops the run's databases and topics. */
export async function dropRun(options: {
  clickhouseUrl: string;
  databases: string[];
  brokers: string;
  topics: string[];
}): Promise<void> {
  const admin = createClickHouseClient({ url: options.clickhouseUrl, database: 'default' });
  const onCluster = process.env.CLICKHOUSE_CLUSTER ? ` ON CLUSTER ${process.env.CLICKHOUSE_CLUSTER}` : '';
  for (const db of options.databases)
    await admin.command({ query: `DROP DATABASE IF EXISTS ${db}${onCluster}` });
  await admin.close();
  const kafka = new Kafka({
    brokers: options.brokers.split(','),
    clientId: 'bench-cleanup',
    logLevel: 0,
  }).admin();
  await kafka.connect();
  await kafka.deleteTopics({ topics: options.topics }).catch(() => undefined);
  await kafka.disconnect();
}

/**
 * A directory with every migration but the `excluded` versions, for runMigrations' `dir`: how a benchmark
 * measures a change of schema against the schema without it, with the loader of today (which writes the
 * columns of every later migration, 025's included; a schema cut at an older version would refuse its rows).
 */
export function migrationsDirWithout(excluded: readonly number[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'opa-migrations-'));
  for (const m of loadMigrations().filter((x) => !excluded.includes(x.version)))
    writeFileSync(join(dir, `${m.name}.sql`), m.sql);
  return dir;
}
