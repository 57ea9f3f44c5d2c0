// A loader, built without starting it (tests drive it). Its chain, step by step (the steps are
// @opa-fleet/kafka's consumer chain, put together in consumer/batch-consumer.ts):
//
//   consume     the loader's topics (a pattern: new topics picked up), a crashed consumer replaced
//   transform   `rowsOf`: decode -> flatten, rows per table; a throw dead-letters the record
//   accumulate  rows into a TableBatch, encoded once, until BATCH_MAX_ROWS / _BYTES / _WAIT_MS
//   write       dead letters to `<prefix>deadletter`, then one INSERT per table (BatchWriter);
//               backoff (RETRY_*) while ClickHouse fails; refused rows isolated from parts of the batch
//   commit      the batch's offsets
//
// start() runs the migrations and creates the standard topics (each step retried while ClickHouse or
// Kafka is not up yet), then consumes.
import { existsSync, writeFileSync } from 'node:fs';
import {
  BatchWriter,
  createClickHouseClient,
  createTableBatchSink,
  LOADER_TABLES,
  type RowsByTable,
  runMigrations,
  type TableSpec,
} from '@opa-fleet/clickhouse';
import {
  type BatchConsumer,
  type BatchConsumerOptions,
  type ConsumedRecord,
  createBatchConsumer,
  createDeadLetterSink,
  createKafkaClient,
  createTopicAdmin,
  standardTopicSpecs,
  type TopicNames,
  topicNames,
} from '@opa-fleet/kafka';
import { type Logger, type Registry, retryStartUpStep } from '@opa-fleet/runtime';
import type { LoaderConfig } from './loader-config';
import { createLoaderMetrics } from './loader-metrics';

export interface LoaderService {
  /** Runs the migrations and creates missing topics (retrying while ClickHouse or Kafka is unreachable), then consumes. */
  start(): Promise<void>;
  /** Stops fetching, flushes and commits what it holds, disconnects. */
  stop(): Promise<void>;
  /** Consuming, and the last flush succeeded. */
  ready(): boolean;
  readonly consumer: BatchConsumer;
}

export interface LoaderDefinition<T extends RowsByTable<T>> {
  config: LoaderConfig;
  logger: Logger;
  registry: Registry;
  /** Fixed topics, or a pattern re-checked every `topicRefreshMs` for new matching topics. */
  topics: (names: TopicNames) => readonly string[] | RegExp;
  topicRefreshMs?: number;
  /** The tables this loader writes. */
  tables: ReadonlyMap<string, TableSpec>;
  /** The per-record pipeline: decode -> flatten, rows per table. Throws to dead-letter the record. */
  rowsOf: (record: ConsumedRecord, names: TopicNames) => T;
  /** kafkajs consumer settings for this loader's records (e.g. fetch sizes for large records). */
  consumerConfig?: BatchConsumerOptions<unknown>['consumerConfig'];
}

export function createLoaderService<T extends RowsByTable<T>>(
  definition: LoaderDefinition<T>,
): LoaderService {
  const { config, logger, registry } = definition;
  const names = topicNames(config.topicPrefix);
  const kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, logger });
  const clickhouse = createClickHouseClient(config.clickhouse);
  const metrics = createLoaderMetrics(registry);
  const writer = new BatchWriter({
    client: clickhouse,
    database: config.clickhouse.database,
    tableOrder: LOADER_TABLES,
    onInsert: metrics.onInsert,
    // Cluster mode: the INSERT into a Distributed table returns once each shard has its block (on one
    // replica; the other copies it), so the offsets are committed only after the rows are on the shards.
    settings: config.clickhouse.cluster ? { insert_distributed_sync: 1 } : undefined,
  });
  const afterWrite = config.testKill ? killAfterWrites(config.testKill) : undefined;
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  const consumer = createBatchConsumer({
    kafka,
    groupId: config.groupId,
    topics: definition.topics(names),
    topicRefreshMs: definition.topicRefreshMs,
    transform: (record: ConsumedRecord) => definition.rowsOf(record, names),
    limits: config.batch,
    sink: createTableBatchSink<T>({ writer, specs: definition.tables }),
    deadLetter: createDeadLetterSink({ producer, topic: names.deadLetter, groupId: config.groupId }),
    retry: config.retry,
    logger,
    observer: metrics.observer,
    exactlyOnce: config.exactlyOnce,
    afterWrite,
    consumerConfig: definition.consumerConfig,
  });
  metrics.trackStatus(() => consumer.status());

  let started = false;
  let stopping = false;
  const step = (what: string, attempt: () => Promise<unknown>) =>
    retryStartUpStep({ logger, what, attempt, cancelled: () => stopping });
  return {
    consumer,
    async start() {
      if (config.runMigrations) await step('migrations', () => runMigrations(config.clickhouse, { logger }));
      if (config.createTopics) {
        const admin = createTopicAdmin({ kafka, logger });
        const layout = {
          partitions: config.topicPartitions,
          replicationFactor: config.topicReplicationFactor,
        };
        await step('topics', () => admin.ensureTopics(standardTopicSpecs(names, layout)));
        await admin.disconnect();
      }
      await step('dead-letter producer', () => producer.connect());
      await step('consumer', () => consumer.start());
      started = true;
    },
    async stop() {
      stopping = true;
      if (started) await consumer.stop();
      await producer.disconnect();
      await clickhouse.close();
    },
    ready() {
      const s = consumer.status();
      return started && s.running && s.sinkHealthy;
    },
  };
}

/** The fault suite's "killed between insert and commit" point: SIGKILL after n writes (once per marker). */
function killAfterWrites({ afterWrites, marker }: { afterWrites: number; marker: string | null }) {
  if (marker && existsSync(marker)) return undefined;
  let left = afterWrites;
  return () => {
    if (--left > 0) return;
    if (marker) writeFileSync(marker, String(process.pid));
    process.kill(process.pid, 'SIGKILL');
  };
}
