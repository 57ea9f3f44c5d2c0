// An in-memory view of a compacted topic: read from the beginning at start, then followed.
// The gateway's releases view and the advisor's releases topic are both this.
//
// Why a unique consumer group per process: a consumer group splits partitions between its members and
// resumes from committed offsets. Every reader of a compacted "current value" topic must see every record,
// and see them all again after a restart (the view lives in memory), so processes cannot share a group and
// nothing is committed. Each process joins its own throw-away group (`<prefix>-<host>-<pid>-<uuid>`) with
// `fromBeginning: true` and `autoCommit: false`; an empty group without offsets is deleted by the broker.

import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RecordCodec } from '@opa-fleet/contracts';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaError, kafkaJsRetriable } from './errors';
import { createTopicAdmin, type TopicSpec } from './topic-admin';

/**
 * Long-poll bound of the follower's fetches. A new record is delivered at once regardless; this only
 * bounds how long stop() waits for the idle fetch in flight (kafkajs' 5 s default slowed shutdown).
 */
const MAX_WAIT_MS = 500;

export interface CompactedTopicViewOptions<T> {
  kafka: Kafka;
  topic: string;
  codec: RecordCodec<T>;
  logger: Logger;
  /** Prefix of the per-process consumer group id. */
  groupIdPrefix: string;
  /** Created when missing (compacted); omit where the process lacks the CreateTopics permission. */
  createWith?: TopicSpec;
  /** Key of a record that has none, derived from its value. */
  keyOf: (value: T) => string;
  /** Called for every record applied after start, e.g. to log a change. */
  onChange?: (key: string, value: T | null) => void;
}

export interface CompactedTopicView<T> {
  /** Connects, joins a private group, resolves once every record up to the end seen at start is applied. */
  start(): Promise<void>;
  get(key: string): T | null;
  entries(): [string, T][];
  /** Sets a value before it is read back (after the caller produced it), so decisions do not race the read. */
  remember(key: string, value: T): void;
  /** True once start() caught up; stays true while following. */
  ready(): boolean;
  stop(): Promise<void>;
}

export function createCompactedTopicView<T>(options: CompactedTopicViewOptions<T>): CompactedTopicView<T> {
  const { kafka, topic, codec, logger } = options;
  const values = new Map<string, T>();
  /** Partition -> offset the view must reach (exclusive) before it is ready. */
  const pending = new Map<number, bigint>();
  let caughtUp = false;
  let consumer: Consumer | null = null;
  let markCaughtUp: () => void = () => {};
  let abortStart: (err: Error) => void = () => {};

  function apply(partition: number, message: KafkaMessage): void {
    const key = message.key?.toString('utf8') ?? null;
    if (message.value === null || message.value.length === 0) {
      // Tombstone: the key was withdrawn.
      if (key !== null && values.delete(key)) options.onChange?.(key, null);
    } else {
      try {
        const value = codec.decode(message.value);
        const resolvedKey = key ?? options.keyOf(value);
        values.set(resolvedKey, value);
        options.onChange?.(resolvedKey, value);
      } catch (err) {
        // A record we cannot read must not stop the view; the previous value stays in force.
        logger.warn({ err, partition, offset: message.offset }, 'undecodable record skipped');
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
    if (options.createWith) {
      const topicAdmin = createTopicAdmin({ kafka, logger });
      try {
        await topicAdmin.ensureTopic(options.createWith);
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
      if (consumer) throw new Error(`view of ${topic} already started`);
      const caughtUpPromise = new Promise<void>((resolve, reject) => {
        markCaughtUp = resolve;
        abortStart = reject;
      });
      // Stop may abort a start that already failed elsewhere: never an unhandled rejection.
      caughtUpPromise.catch(() => {});
      const current = kafka.consumer({
        groupId: `${options.groupIdPrefix}-${hostname()}-${process.pid}-${randomUUID()}`,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: MAX_WAIT_MS,
      });
      consumer = current;
      // A view stopped (or failed) before can be started again: it re-reads the topic from the start.
      caughtUp = false;
      pending.clear();
      current.on(current.events.CRASH, (event) => {
        logger.error({ err: event.payload.error, restart: event.payload.restart }, 'view consumer crashed');
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
        // kafkajs marks "retries exhausted" non-retriable; for the caller Kafka was away: retry later.
        if (err instanceof KafkaError || !kafkaJsRetriable(err)) throw err;
        throw new KafkaError('KAFKA_UNAVAILABLE', `cannot read ${topic}: ${(err as Error).message}`, {
          retriable: true,
          cause: err,
        });
      }
    },
    get(key) {
      return values.get(key) ?? null;
    },
    entries() {
      return [...values];
    },
    remember(key, value) {
      values.set(key, value);
    },
    ready() {
      return caughtUp;
    },
    async stop() {
      const current = consumer;
      consumer = null;
      abortStart(new Error(`view of ${topic} stopped before it caught up`));
      if (current) await current.disconnect();
    },
  };
}
