// Where a report of a partitioned stream (status updates, decision logs) goes, with the topic policy applied
// and partition topics created on first use. The pure decision is statusTopicFor (packages/kafka); this adds
// the state it needs: which partition topics of the stream exist (seeded from the broker, so the cap holds
// across restarts) and the one-time creation of new ones. One instance per stream: each has its own cap.
// The topics of the allow-listed partitions are made at start-up (init), leaders included: on a cluster
// just started, creating a replicated topic on the first upload took longer than the produce timeout,
// and OPA got 503s for partitions the operator had named in advance.
import {
  KafkaError,
  type PartitionedStream,
  partitionTopicName,
  type StatusRoute,
  statusTopicFor,
  type TopicAdmin,
  type TopicPolicy,
} from '@opa-fleet/kafka';
import { GatewayError } from './errors';

export type AcceptedRoute = Exclude<StatusRoute, { kind: 'rejected' }>;

export interface PartitionTopics {
  /**
   * Learns the existing partition topics from the broker and, when it may create topics, creates the
   * allow-listed partitions' missing ones, resolving once every partition of them has a leader.
   */
  init(): Promise<void>;
  /** Throws GatewayError for a refused partition, KafkaError (-> 503) when a topic cannot be created. */
  route(partition: string | null): Promise<AcceptedRoute>;
  /** Partition topics counted against the cap. */
  autoTopicCount(): number;
}

export interface PartitionTopicsOptions {
  /** `status` (default) or `decisions`. */
  stream?: PartitionedStream;
  policy: TopicPolicy;
  /** null: never create topics (they are provisioned by operators). */
  admin: Pick<TopicAdmin, 'ensureTopic' | 'ensureTopics' | 'listTopics'> | null;
  numPartitions: number;
  replicationFactor: number;
  /** A request waits at most this long for a new topic (then 503); creation goes on in the background. */
  ensureTimeoutMs?: number;
}

export function createPartitionTopics(options: PartitionTopicsOptions): PartitionTopics {
  const { policy, admin } = options;
  const stream = options.stream ?? 'status';
  const autoTopics = new Set<string>();
  const allowListedTopics = new Set(policy.allow.map((p) => partitionTopicName(policy.prefix, p, stream)));
  const ready = new Set<string>();
  const streamPrefix = `${policy.prefix}${stream}.`;

  const specOf = (topic: string) => ({
    topic,
    numPartitions: options.numPartitions,
    replicationFactor: options.replicationFactor,
  });

  async function ensure(topic: string): Promise<void> {
    if (ready.has(topic) || !admin) return;
    const created = admin.ensureTopic(specOf(topic));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new KafkaError('TOPIC_ADMIN_FAILED', `topic ${topic} not ready in time`, { retriable: true }),
          ),
        options.ensureTimeoutMs ?? 5000,
      );
    });
    try {
      await Promise.race([created, timeout]);
    } finally {
      clearTimeout(timer);
    }
    ready.add(topic);
  }

  return {
    async init() {
      if (!admin) return;
      for (const topic of await admin.listTopics()) {
        if (!topic.startsWith(streamPrefix)) continue;
        ready.add(topic);
        if (!allowListedTopics.has(topic)) autoTopics.add(topic);
      }
      const missing = [...allowListedTopics].filter((topic) => !ready.has(topic));
      await admin.ensureTopics(missing.map(specOf)); // waits for the leaders (topic-admin.ts)
      for (const topic of missing) ready.add(topic);
    },
    async route(partition) {
      const route = statusTopicFor(partition, policy, autoTopics, stream);
      switch (route.kind) {
        case 'rejected':
          throw rejection(route);
        case 'own':
          if (route.newTopic) autoTopics.add(route.topic); // reserve the slot before awaiting: concurrent requests see it
          try {
            await ensure(route.topic);
          } catch (err) {
            if (route.newTopic) autoTopics.delete(route.topic);
            throw err;
          }
          return route;
        default:
          return route;
      }
    },
    autoTopicCount: () => autoTopics.size,
  };
}

function rejection(route: Extract<StatusRoute, { kind: 'rejected' }>): GatewayError {
  if (route.reason === 'PATTERN') return new GatewayError('PARTITION_NOT_ALLOWED', route.message);
  if (route.reason === 'CAP') return new GatewayError('PARTITION_LIMIT_REACHED', route.message);
  return new GatewayError('INVALID_PARTITION', route.message);
}
