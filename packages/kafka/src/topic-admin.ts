// Makes sure topics exist with the intended layout. "Already exists" is success: several services and
// gateway replicas race to create the same topics at start.
import type { Admin, ITopicConfig, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaError, kafkaJsRetriable } from './errors';
import type { TopicNames } from './topic-policy';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  replicationFactor: number;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  configs?: Record<string, string>;
}

export interface TopicLayout {
  /** Partitions of the telemetry and status topics. Default 3. */
  partitions?: number;
  /** Default 1 (dev/CI single broker); 3 in production. */
  replicationFactor?: number;
}

/** The fixed topics of the pipeline. The releases topic is compacted with one partition (order matters). */
export function standardTopicSpecs(names: TopicNames, layout: TopicLayout = {}): TopicSpec[] {
  const numPartitions = layout.partitions ?? 3;
  const replicationFactor = layout.replicationFactor ?? 1;
  return [
    { topic: names.telemetry, numPartitions, replicationFactor },
    { topic: names.versionChecks, numPartitions, replicationFactor },
    { topic: names.status, numPartitions, replicationFactor },
    { topic: names.decisions, numPartitions, replicationFactor },
    { topic: names.deadLetter, numPartitions: 1, replicationFactor },
    releasesTopicSpec(names.releases, replicationFactor),
  ];
}

export function releasesTopicSpec(topic: string, replicationFactor = 1): TopicSpec {
  return {
    topic,
    numPartitions: 1,
    replicationFactor,
    configs: { 'cleanup.policy': 'compact', 'min.compaction.lag.ms': '0', 'segment.ms': '3600000' },
  };
}

export interface TopicAdmin {
  /** Creates the missing ones; resolves with the names it created. Tolerates concurrent creation. */
  ensureTopics(specs: TopicSpec[]): Promise<string[]>;
  /** Cached: each topic is created (or found) once per process; concurrent calls share one request. */
  ensureTopic(spec: TopicSpec): Promise<void>;
  listTopics(): Promise<string[]>;
  disconnect(): Promise<void>;
}

export function createTopicAdmin(options: { kafka: Pick<Kafka, 'admin'>; logger: Logger }): TopicAdmin {
  const log = options.logger.child({ component: 'topic-admin' });
  const admin: Admin = options.kafka.admin();
  let connected: Promise<void> | null = null;
  const known = new Map<string, Promise<void>>();

  const ready = (): Promise<void> => {
    if (!connected) {
      connected = admin.connect().catch((err: unknown) => {
        connected = null;
        throw wrap(err, 'cannot connect the admin client');
      });
    }
    return connected;
  };

  async function ensureTopics(specs: TopicSpec[]): Promise<string[]> {
    if (specs.length === 0) return [];
    await ready();
    const existing = new Set(
      await admin.listTopics().catch((err: unknown) => Promise.reject(wrap(err, 'listTopics failed'))),
    );
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length === 0) return [];
    const topics: ITopicConfig[] = missing.map((s) => ({
      topic: s.topic,
      numPartitions: s.numPartitions,
      replicationFactor: s.replicationFactor,
      configEntries: Object.entries(s.configs ?? {}).map(([name, value]) => ({ name, value })),
    }));
    const names = missing.map((s) => s.topic);
    for (let attempt = 1; ; attempt++) {
      try {
        // Resolves false when every topic already existed (another process won the race).
        await admin.createTopics({ topics, waitForLeaders: false, timeout: 10_000 });
        break;
      } catch (err) {
        if (allAlreadyExist(err)) break;
        // A broker still loading metadata answers with retriable errors for a moment.
        if ((err as { retriable?: boolean }).retriable !== true || attempt >= CREATE_ATTEMPTS) {
          throw wrap(err, `creating ${names.join(', ')} failed`);
        }
        await sleep(100 * attempt);
      }
    }
    await waitForLeaders(names);
    log.info({ topics: names }, 'topics ensured');
    return missing.map((s) => s.topic);
  }

  // Created is not yet usable: with KRaft the brokers learn about a new topic's leaders a moment later,
  // and kafkajs' own waitForLeaders fails on the "unknown topic" answers of that moment instead of
  // waiting. Produce only once every partition has a leader, so the first reports are not 503s.
  async function waitForLeaders(names: string[]): Promise<void> {
    const deadline = Date.now() + LEADER_WAIT_MS;
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: names });
        const led = topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        if (led && topics.length === names.length) return;
      } catch (err) {
        if ((err as { retriable?: boolean }).retriable !== true)
          throw wrap(err, `metadata of ${names.join(', ')}`);
      }
      if (Date.now() > deadline) {
        throw new KafkaError(
          'TOPIC_ADMIN_FAILED',
          `no leaders for ${names.join(', ')} within ${LEADER_WAIT_MS} ms`,
          {
            retriable: true,
          },
        );
      }
      await sleep(100);
    }
  }

  function ensureTopic(spec: TopicSpec): Promise<void> {
    let pending = known.get(spec.topic);
    if (!pending) {
      pending = ensureTopics([spec]).then(() => undefined);
      known.set(spec.topic, pending);
      pending.catch(() => known.delete(spec.topic)); // a failure is retried by the next caller
    }
    return pending;
  }

  return {
    ensureTopics,
    ensureTopic,
    async listTopics() {
      await ready();
      return admin.listTopics().catch((err: unknown) => Promise.reject(wrap(err, 'listTopics failed')));
    },
    async disconnect() {
      if (connected) await admin.disconnect().catch(() => {});
      connected = null;
    },
  };
}

const CREATE_ATTEMPTS = 5;
const LEADER_WAIT_MS = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function allAlreadyExist(err: unknown): boolean {
  const errors = (err as { errors?: { type?: string }[] })?.errors;
  return (
    Array.isArray(errors) && errors.length > 0 && errors.every((e) => e?.type === 'TOPIC_ALREADY_EXISTS')
  );
}

function wrap(err: unknown, message: string): KafkaError {
  const e = err as { message?: string; retriable?: boolean };
  return new KafkaError('TOPIC_ADMIN_FAILED', `${message}: ${e?.message ?? 'unknown error'}`, {
    retriable: e?.retriable !== false || kafkaJsRetriable(err),
    cause: err,
  });
}
