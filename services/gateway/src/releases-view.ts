// The gateway's in-memory view of the compacted releases topic: read from the beginning at start,
// then followed, so a release the advisor publishes reaches version replies without a restart.
//
// Why a unique consumer group per process: a consumer group splits partitions between its members and
// resumes from committed offsets. Every gateway must see every record, and must see them all again after
// a restart (the view lives in memory), so gateways cannot share a group and nothing is committed. Each
// process joins its own throw-away group (`<prefix>-<host>-<pid>-<uuid>`) with `fromBeginning: true` and
// `autoCommit: false`; an empty group without offsets is deleted by the broker on its own. Cost: one
// group join per start (the broker's group.initial.rebalance.delay.ms, 3 s by default).

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type RecordCodec, type ReleaseInfo, releaseCodec } from '@opa-fleet/contracts';
import { createKafkaClient, createTopicAdmin, releasesTopicSpec } from '@opa-fleet/kafka';
import type { Logger } from '@opa-fleet/runtime';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

/**
 * Long-poll bound of the follower's fetches. A new record is delivered at once regardless; this only
 * bounds how long stop() waits for the idle fetch in flight (kafkajs' 5 s default slowed shutdown).
 */
const MAX_WAIT_MS = 500;

export interface ReleasesViewOptions {
  brokers: string[];
  /** The compacted releases topic (`opa.releases`). */
  topic: string;
  logger: Logger;
  /** Prefix of the per-process consumer group id. */
  groupIdPrefix?: string;
  clientId?: string;
  /**
   * Create the topic (compacted, one partition) when it does not exist yet, so a gateway started before
   * the advisor is ready with an explicitly empty view and still follows the first release. Turn off where
   * gateways lack the CreateTopics permission (the view then fails to start until the topic exists).
   */
  createTopicIfMissing?: boolean;
  /** Replication factor when the view creates the topic; 1 by default (dev/CI), 3 in production. */
  replicationFactor?: number;
  /** An existing kafkajs client of the process; one is created otherwise. */
  kafka?: Kafka;
  /** Decoder for records; defaults to the contracts' Avro codec. */
  codec?: RecordCodec<ReleaseInfo>;
}

export interface ReleasesView {
  /**
   * Connects, joins a private group and resolves once every record up to the high-water marks seen at
   * start has been applied (at once for an empty topic). Rejects when Kafka cannot be reached.
   */
  start(): Promise<void>;
  /** The release for a channel (record key), or null while none is known. */
  latest(channel?: string): ReleaseInfo | null;
  /** True once start() caught up; stays true while following (the last known release stays valid). */
  ready(): boolean;
  stop(): Promise<void>;
}

export function createReleasesView(options: ReleasesViewOptions): ReleasesView {
  const { brokers, topic, logger } = options;
  const codec = options.codec ?? releaseCodec;
  const log = logger.child({ component: 'releases-view', topic });
  const groupId = `${options.groupIdPrefix ?? 'opa-gateway-releases'}-${hostname()}-${process.pid}-${randomUUID()}`;
  const kafka =
    options.kafka ??
    createKafkaClient({ brokers, clientId: options.clientId ?? 'opa-gateway-releases-view', logger: log });

  const releases = new Map<string, ReleaseInfo>();
  /** Partition -> offset the view must reach (exclusive) before it is ready. */
  const pending = new Map<number, bigint>();
  let caughtUp = false;
  let consumer: Consumer | null = null;
  let markCaughtUp: () => void = () => {};
  let abortStart: (err: Error) => void = () => {};

  function apply(partition: number, message: KafkaMessage): void {
    const key = message.key?.toString('utf8') ?? null;
    if (message.value === null || message.value.length === 0) {
      // Tombstone: the channel was withdrawn.
      if (key !== null && releases.delete(key)) log.info({ channel: key }, 'release withdrawn');
    } else {
      try {
        const release = codec.decode(message.value);
        const channel = key ?? release.channel;
        releases.set(channel, release);
        log.info({ channel, tag: release.tag, offset: message.offset }, 'release known');
      } catch (err) {
        // A record we cannot read must not stop the view; the previous release stays in force.
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
      log.info({ channels: [...releases.keys()] }, 'releases view caught up');
      markCaughtUp();
    }
  }

  async function ensureTopicAndTargets(): Promise<void> {
    if (options.createTopicIfMissing !== false) {
      const topicAdmin = createTopicAdmin({ kafka, logger: log });
      try {
        await topicAdmin.ensureTopic(releasesTopicSpec(topic, options.replicationFactor ?? 1));
      } finally {
        await topicAdmin.disconnect();
      }
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const { partition, high, low } of await admin.fetchTopicOffsets(topic)) {
        // Records below `low` were deleted; nothing to wait for on an empty partition.
        if (BigInt(high) > BigInt(low)) pending.set(partition, BigInt(high));
      }
    } finally {
      await admin.disconnect();
    }
  }

  return {
    async start() {
      if (consumer) throw new Error('releases view already started');
      const caughtUpPromise = new Promise<void>((resolve, reject) => {
        markCaughtUp = resolve;
        abortStart = reject;
      });
      // Stop may abort a start that already failed elsewhere: never an unhandled rejection.
      caughtUpPromise.catch(() => {});
      const current = kafka.consumer({
        groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: MAX_WAIT_MS,
      });
      consumer = current;
      current.on(current.events.CRASH, (event) => {
        log.error({ err: event.payload.error, restart: event.payload.restart }, 'releases consumer crashed');
      });
      try {
        await ensureTopicAndTargets();
        await current.connect();
        await current.subscribe({ topic, fromBeginning: true });
        await current.run({
          autoCommit: false,
          eachMessage: async ({ partition, message }) => apply(partition, message),
        });
        checkCaughtUp();
        await caughtUpPromise;
      } catch (err) {
        if (consumer === current) consumer = null;
        await current.disconnect().catch(() => {});
        throw err;
      }
    },
    latest(channel = 'latest') {
      return releases.get(channel) ?? null;
    },
    ready() {
      return caughtUp;
    },
    async stop() {
      const current = consumer;
      consumer = null;
      abortStart(new Error('releases view stopped before it caught up'));
      if (current) await current.disconnect();
    },
  };
}
