// The compacted releases topic from the advisor's side: created if missing, followed from the beginning
// (so the advisor knows what is published, also by the operator CLI), and written with an idempotent
// producer. A private consumer group per process, nothing committed: every start re-reads the topic,
// which is tiny because it is compacted to one record per channel.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type RecordCodec, type ReleaseInfo, releaseCodec } from '@opa-fleet/contracts';
import { createKafkaClient, createTopicAdmin, releasesTopicSpec } from '@opa-fleet/kafka';
import type { Logger } from '@opa-fleet/runtime';
import type { Consumer, KafkaMessage, Producer } from 'kafkajs';

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
  const known = new Map<string, ReleaseInfo>();
  const pending = new Map<number, bigint>();
  let caughtUp = false;
  let markCaughtUp: () => void = () => {};
  let consumer: Consumer | null = null;
  let producer: Producer | null = null;

  function apply(partition: number, message: KafkaMessage): void {
    const key = message.key?.toString('utf8') ?? null;
    if (message.value === null || message.value.length === 0) {
      if (key !== null) known.delete(key);
    } else {
      try {
        const release = codec.decode(message.value);
        known.set(key ?? release.channel, release);
      } catch (err) {
        log.warn({ err, partition, offset: message.offset }, 'undecodable release record skipped');
      }
    }
    const target = pending.get(partition);
    if (target !== undefined && BigInt(message.offset) + 1n >= target) {
      pending.delete(partition);
      checkCaughtUp();
    }
  }

  function checkCaughtUp(): void {
    if (!caughtUp && pending.size === 0) {
      caughtUp = true;
      markCaughtUp();
    }
  }

  async function ensureTopicAndTargets(): Promise<void> {
    const topicAdmin = createTopicAdmin({ kafka, logger: log });
    try {
      await topicAdmin.ensureTopic(releasesTopicSpec(topic, options.replicationFactor ?? 1));
    } finally {
      await topicAdmin.disconnect();
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(high) > BigInt(low)) pending.set(partition, BigInt(high));
      }
    } finally {
      await admin.disconnect();
    }
  }

  return {
    name: topic,
    async start() {
      const caughtUpPromise = new Promise<void>((resolve) => {
        markCaughtUp = resolve;
      });
      await ensureTopicAndTargets();
      producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
      await producer.connect();
      consumer = kafka.consumer({
        groupId: `opa-release-advisor-${hostname()}-${process.pid}-${randomUUID()}`,
        allowAutoTopicCreation: false,
        // Bounds how long stop() waits for the idle long-poll in flight; new records arrive at once anyway.
        maxWaitTimeInMs: 500,
      });
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachMessage: async ({ partition, message }) => apply(partition, message),
      });
      checkCaughtUp();
      await caughtUpPromise;
      log.info(
        { channels: Object.fromEntries([...known].map(([c, r]) => [c, r.tag])) },
        'releases topic read',
      );
    },
    current(channel) {
      return known.get(channel) ?? null;
    },
    async publish(release) {
      if (!producer) throw new Error('releases topic not started');
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: release.channel, value: codec.encode(release) }],
      });
      // The follower will read it back too; setting it now keeps the next decision from racing that read.
      known.set(release.channel, release);
    },
    ready() {
      return caughtUp;
    },
    async stop() {
      const c = consumer;
      const p = producer;
      consumer = null;
      producer = null;
      await Promise.allSettled([c?.disconnect(), p?.disconnect()]);
    },
  };
}
