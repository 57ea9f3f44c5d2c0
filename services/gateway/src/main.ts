// Starts the gateway: config -> logger/metrics -> Kafka (topics, producer, releases view) -> HTTP.
// Shutdown (SIGINT/SIGTERM): stop accepting and finish in-flight requests, then flush and disconnect the
// producer, then the releases view and admin client (closers run in reverse registration order).
import {
  createKafkaClient,
  createProducer,
  createTopicAdmin,
  standardTopicSpecs,
  topicNames,
} from '@opa-fleet/kafka';
import {
  ConfigError,
  createLogger,
  createMetrics,
  createShutdown,
  retryStartUpStep,
} from '@opa-fleet/runtime';
import { buildApp } from './app';
import { type GatewayConfig, loadGatewayConfig } from './config';
import { createPartitionTopics, type PartitionTopics } from './partition-topics';
import { createReleasesView } from './releases-view';

async function main(): Promise<void> {
  const logger = createLogger('gateway');
  let config: GatewayConfig;
  try {
    config = loadGatewayConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal({ issues: err.issues }, err.message);
      process.exit(2);
    }
    throw err;
  }
  const registry = createMetrics('gateway');
  const shutdown = createShutdown({ logger, timeoutMs: config.shutdownTimeoutMs });
  shutdown.installSignalHandlers();

  const names = topicNames(config.topicPrefix);
  const kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: config.kafkaClientId, logger });
  const admin = createTopicAdmin({ kafka, logger });
  shutdown.onShutdown('topic-admin', () => admin.disconnect());

  const releases = createReleasesView({
    brokers: config.kafkaBrokers,
    kafka,
    topic: names.releases,
    logger,
    createTopicIfMissing: config.createTopics,
    replicationFactor: config.topicReplicationFactor,
  });
  shutdown.onShutdown('releases-view', () => releases.stop());

  const producer = createProducer({ kafka, logger, registry, ...config.producer });
  shutdown.onShutdown('producer', () => producer.close(config.producer.sendTimeoutMs));

  // Status updates and decision logs: the same partition policy, each stream with its own topics and cap.
  const [statusTopics, decisionTopics] = (['status', 'decisions'] as const).map((stream) =>
    createPartitionTopics({
      stream,
      policy: config.topicPolicy,
      admin: config.createTopics ? admin : null,
      numPartitions: config.topicPartitions,
      replicationFactor: config.topicReplicationFactor,
      ensureTimeoutMs: config.producer.sendTimeoutMs,
    }),
  ) as [PartitionTopics, PartitionTopics];
  let topicsReady = !config.createTopics;

  const app = buildApp({
    config,
    logger,
    registry,
    producer,
    releases,
    statusTopics,
    decisionTopics,
    readiness: { topics: () => topicsReady },
  });
  shutdown.onShutdown('http', () => app.close());

  // Kafka may be down at start: the HTTP side comes up anyway (readyz says not ready, reports get 503)
  // and each part keeps retrying until it is connected.
  void producer.connect();
  void retry('topics', async () => {
    if (config.createTopics) {
      await admin.ensureTopics(
        standardTopicSpecs(names, {
          partitions: config.topicPartitions,
          replicationFactor: config.topicReplicationFactor,
        }),
      );
      await statusTopics.init();
      await decisionTopics.init();
    }
    topicsReady = true;
  });
  void retry('releases-view', () => releases.start());

  await app.listen({ port: config.port, host: config.host });
  logger.info(
    { port: config.port, host: config.host, gatewayId: config.gatewayId, prefix: config.topicPrefix },
    'gateway listening',
  );

  /** A step that fails for good (`retriable: false`) ends the process with 1, as a loader's start-up does. */
  function retry(what: string, attempt: () => Promise<void>): Promise<void> {
    return retryStartUpStep({ logger, what, attempt, cancelled: () => shutdown.shuttingDown }).catch(
      (err: unknown) => {
        if (shutdown.shuttingDown) return;
        logger.fatal({ err, what }, 'start-up step failed for good');
        process.exit(1);
      },
    );
  }
}

main().catch((err: unknown) => {
  console.error('gateway failed to start', err);
  process.exit(1);
});
