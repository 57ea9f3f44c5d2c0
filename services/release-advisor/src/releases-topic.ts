// The compacted releases topic from the advisor's side: created if missing, followed from the beginning
// (so the advisor knows what is published, also by the operator CLI), and written with an idempotent
// producer. The reading side is @opa-fleet/kafka's compacted-topic view: every start re-reads the topic,
// which is tiny because it is compacted to one record per channel.
import { type RecordCodec, type ReleaseInfo, releaseCodec } from '@opa-fleet/contracts';
import { createCompactedTopicView, createKafkaClient, releasesTopicSpec } from '@opa-fleet/kafka';
import type { Logger } from '@opa-fleet/runtime';
import type { Producer } from 'kafkajs';

export interface ReleasesTopicOptions {
  brokers: string[];
  topic: string;
  logger: Logger;
  clientId?: string;
  /** Replication factor when the topic is created; 1 by default (dev/CI), 3 in production. */
  replicationFactor?: number;
  codec?: RecordCodec<ReleaseInfo>;
}

export interface ReleasesTopic {
  readonly name: string;
  /** Creates the topic if missing, connects, and resolves once it has read up to the end seen at start. */
  start(): Promise<void>;
  /** What the topic holds for a channel, as far as read. */
  current(channel: string): ReleaseInfo | null;
  /** Produces the record (key = channel) and waits for the acknowledgement of all in-sync replicas. */
  publish(release: ReleaseInfo): Promise<void>;
  ready(): boolean;
  stop(): Promise<void>;
}

export function createReleasesTopic(options: ReleasesTopicOptions): ReleasesTopic {
  const { brokers, topic, logger } = options;
  const codec = options.codec ?? releaseCodec;
  const log = logger.child({ component: 'releases-topic', topic });
  const kafka = createKafkaClient({
    brokers,
    clientId: options.clientId ?? 'opa-release-advisor',
    logger: log,
  });
  const view = createCompactedTopicView<ReleaseInfo>({
    kafka,
    topic,
    codec,
    logger: log,
    groupIdPrefix: 'opa-release-advisor',
    createWith: releasesTopicSpec(topic, options.replicationFactor ?? 1),
    keyOf: (release) => release.channel,
  });
  let producer: Producer | null = null;

  return {
    name: topic,
    async start() {
      await view.start();
      const next = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
      try {
        await next.connect();
      } catch (err) {
        // Undo the half start, so that start() can be tried again.
        await view.stop();
        throw err;
      }
      producer = next;
      log.info(
        { channels: Object.fromEntries(view.entries().map(([c, r]) => [c, r.tag])) },
        'releases topic read',
      );
    },
    current: (channel) => view.get(channel),
    async publish(release) {
      if (!producer) throw new Error('releases topic not started');
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: release.channel, value: codec.encode(release) }],
      });
      // The follower will read it back too; setting it now keeps the next decision from racing that read.
      view.remember(release.channel, release);
    },
    ready: () => view.ready(),
    async stop() {
      const p = producer;
      producer = null;
      await Promise.allSettled([view.stop(), p?.disconnect()]);
    },
  };
}
