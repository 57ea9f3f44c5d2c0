// Builds the telemetry-loader without starting it (tests drive it):
//   `<prefix>telemetry` (and `<prefix>releases`) -> decode -> flatten -> one insert per table per
//   batch -> commit.
import {
  BatchWriter,
  createClickHouseClient,
  createLoaderMetrics,
  createTableBatchSink,
  LOADER_TABLES,
  runMigrations,
  TELEMETRY_TABLE_SPECS,
} from '@opa-fleet/clickhouse';
import {
  type BatchConsumer,
  type ConsumedRecord,
  createBatchConsumer,
  createDeadLetterSink,
  createKafkaClient,
  createTopicAdmin,
  standardTopicSpecs,
  topicNames,
} from '@opa-fleet/kafka';
import type { Logger, Registry } from '@opa-fleet/runtime';
import type { TelemetryLoaderConfig } from './config';
import { telemetryRowsOf } from './telemetry-rows';

export interface TelemetryLoader {
  /** Runs the migrations (retrying while ClickHouse is unreachable), then starts consuming. */
  start(): Promise<void>;
  /** Stops fetching, flushes and commits what it holds, disconnects. */
  stop(): Promise<void>;
  ready(): boolean;
  readonly consumer: BatchConsumer;
}

export function buildTelemetryLoader(deps: {
  config: TelemetryLoaderConfig;
  logger: Logger;
  registry: Registry;
}): TelemetryLoader {
  const { config, logger, registry } = deps;
  const names = topicNames(config.topicPrefix);
  const kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, logger });
  const clickhouse = createClickHouseClient(config.clickhouse);
  const metrics = createLoaderMetrics(registry);
  const writer = new BatchWriter({
    client: clickhouse,
    database: config.clickhouse.database,
    tableOrder: LOADER_TABLES,
    onInsert: metrics.onInsert,
  });
  const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
  const consumer = createBatchConsumer({
    kafka,
    groupId: config.groupId,
    topics: config.loadReleases ? [names.telemetry, names.releases] : [names.telemetry],
    sink: createTableBatchSink({
      writer,
      specs: TELEMETRY_TABLE_SPECS,
      rowsOf: (record: ConsumedRecord) => telemetryRowsOf(record, names.releases),
    }),
    deadLetter: createDeadLetterSink({ producer, topic: names.deadLetter, groupId: config.groupId }),
    logger,
    limits: config.batch,
    retry: config.retry,
    observer: metrics.observer,
  });
  metrics.trackStatus(() => consumer.status());

  let started = false;
  let stopping = false;
  return {
    consumer,
    async start() {
      if (config.runMigrations) {
        await untilDone(
          logger,
          'migrations',
          () => runMigrations(config.clickhouse, { logger }),
          () => stopping,
        );
      }
      if (config.createTopics) {
        const admin = createTopicAdmin({ kafka, logger });
        const layout = {
          partitions: config.topicPartitions,
          replicationFactor: config.topicReplicationFactor,
        };
        await untilDone(
          logger,
          'topics',
          () => admin.ensureTopics(standardTopicSpecs(names, layout)),
          () => stopping,
        );
        await admin.disconnect();
      }
      await untilDone(
        logger,
        'dead-letter producer',
        () => producer.connect(),
        () => stopping,
      );
      await untilDone(
        logger,
        'consumer',
        () => consumer.start(),
        () => stopping,
      );
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

/** Retries a start-up step with backoff while it fails retriably (ClickHouse or Kafka not up yet). */
async function untilDone(
  logger: Logger,
  what: string,
  attempt: () => Promise<unknown>,
  cancelled: () => boolean,
): Promise<void> {
  for (let delay = 500; ; delay = Math.min(delay * 2, 10_000)) {
    try {
      await attempt();
      return;
    } catch (err) {
      if ((err as { retriable?: unknown }).retriable === false || cancelled()) throw err;
      logger.warn({ err, what, retryInMs: delay }, 'start-up step failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
