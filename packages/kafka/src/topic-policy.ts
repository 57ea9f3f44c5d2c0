// Pure: topic names from the configured prefix, and which topic of a partitioned stream (status updates,
// decision logs) a partition name goes to.
//
// Partition names come from the internet (`/status/<partition>`, `/logs/<partition>`), so:
// - every name maps to a LEGAL Kafka topic name ([A-Za-z0-9._-], <= 249 chars), deterministically;
// - two different partition names never share a topic (the mapping is injective);
// - topic creation is bounded: allow-listed names always get their own topic, names matching the pattern
//   get one while fewer than `maxAutoPartitions` such topics exist, everything else overflows to the
//   default status topic (the record keeps its partition name) or is rejected, as configured.
//
// Mapping rule (`<stream>` is `status` or `decisions`): `<prefix><stream>.<name>` when the name consists only of [A-Za-z0-9-]. Otherwise (any other
// character, including `.` and `_`, or too long) each other character becomes `_`, the result is cut to
// fit, and `.` + 12 hex digits of SHA-256(name) are appended. Verbatim names never contain `.` or `_` after
// the prefix, mapped ones always end in `.<hash>`, so neither can equal the other, not even under Kafka's
// rule that topics differing only in `.` vs `_` collide.
import { createHash } from 'node:crypto';
import { KafkaError } from './errors';

/** Kafka's limit on topic name length. */
export const MAX_TOPIC_LENGTH = 249;
const LEGAL_TOPIC = /^[A-Za-z0-9._-]+$/;
const VERBATIM = /^[A-Za-z0-9-]+$/;
const HASH_HEX = 12;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface TopicNames {
  /** Version reports (`POST /v1/version`, OPA before 1.7). */
  telemetry: string;
  /** GitHub-style version checks (`GET /repos/{owner}/{repo}/releases/latest`, OPA 1.7 and later). */
  versionChecks: string;
  /** Default status topic: `/status` and `/status/`, and overflowing partitions. */
  status: string;
  releases: string;
  deadLetter: string;
  /** Matches the default status topic and every partition status topic (for regex subscriptions). */
  statusTopicPattern: RegExp;
  /** Default decision-log topic: `/logs` and `/logs/`, and overflowing partitions. */
  decisions: string;
  /** Matches the default decisions topic and every partition decisions topic. */
  decisionTopicPattern: RegExp;
}

/** The streams whose topics are split by OPA's `partition_name`. */
export type PartitionedStream = 'status' | 'decisions';

export function topicNames(prefix = 'opa.'): TopicNames {
  checkPrefix(prefix);
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return {
    telemetry: `${prefix}telemetry`,
    versionChecks: `${prefix}version-checks`,
    status: `${prefix}status`,
    releases: `${prefix}releases`,
    deadLetter: `${prefix}deadletter`,
    statusTopicPattern: new RegExp(`^${escaped}status(\\.[A-Za-z0-9._-]+)?$`),
    decisions: `${prefix}decisions`,
    decisionTopicPattern: new RegExp(`^${escaped}decisions(\\.[A-Za-z0-9._-]+)?$`),
  };
}

export interface TopicPolicy {
  /** Prefix of every topic, `opa.` by default. Legal topic characters only, at most 100. */
  prefix: string;
  /** Partition names that always get their own topic; they do not count against the cap. */
  allow: readonly string[];
  /** Names matching this may get an auto-created topic (null: only allow-listed names do). */
  pattern: RegExp | null;
  /** Cap on distinct auto-created partition topics (allow-listed ones excluded). */
  maxAutoPartitions: number;
  /** What happens to a valid name that gets no topic of its own. */
  overflow: 'default' | 'reject';
  /** Longer names (in characters) are invalid. */
  maxPartitionLength: number;
}

export const DEFAULT_TOPIC_POLICY: TopicPolicy = {
  prefix: 'opa.',
  allow: [],
  pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
  maxAutoPartitions: 100,
  overflow: 'default',
  maxPartitionLength: 200,
};

/** The legal, injective topic name for a partition of a stream (no policy applied). */
export function partitionTopicName(
  prefix: string,
  partition: string,
  stream: PartitionedStream = 'status',
): string {
  const base = `${prefix}${stream}.`;
  if (VERBATIM.test(partition) && base.length + partition.length <= MAX_TOPIC_LENGTH) return base + partition;
  const hash = createHash('sha256').update(partition, 'utf8').digest('hex').slice(0, HASH_HEX);
  const room = MAX_TOPIC_LENGTH - base.length - 1 - HASH_HEX;
  const mapped = partition.replace(/[^A-Za-z0-9-]/gu, '_').slice(0, room);
  return `${base}${mapped}.${hash}`;
}

export type PartitionProblem = 'EMPTY' | 'RESERVED' | 'TOO_LONG' | 'CONTROL_CHARACTER' | 'MALFORMED_UNICODE';

/** Why a partition name can never be accepted, or null. Pure syntax; the policy's pattern is separate. */
export function partitionProblem(partition: string, policy: Pick<TopicPolicy, 'maxPartitionLength'>) {
  if (partition.length === 0) return { problem: 'EMPTY', message: 'partition name is empty' } as const;
  if (partition === '.' || partition === '..')
    return { problem: 'RESERVED', message: `partition name "${partition}" is reserved` } as const;
  if (LONE_SURROGATE.test(partition))
    return { problem: 'MALFORMED_UNICODE', message: 'partition name is not well-formed Unicode' } as const;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f]/.test(partition))
    return { problem: 'CONTROL_CHARACTER', message: 'partition name contains a control character' } as const;
  const length = [...partition].length;
  if (length > policy.maxPartitionLength)
    return {
      problem: 'TOO_LONG',
      message: `partition name has ${length} characters, at most ${policy.maxPartitionLength} allowed`,
    } as const;
  return null;
}

export type StatusRoute =
  /** `/status` and `/status/` (`/logs`, `/logs/`). */
  | { kind: 'default'; topic: string; partition: null }
  /** The partition's own topic. `newTopic`: this route would auto-create it (counts against the cap). */
  | { kind: 'own'; topic: string; partition: string; allowListed: boolean; newTopic: boolean }
  /** Valid name without a topic of its own: the default topic, partition name kept in the record. */
  | { kind: 'overflow'; topic: string; partition: string; reason: 'PATTERN' | 'CAP' }
  /** Refused: an invalid name, or overflow with `overflow: 'reject'`. */
  | { kind: 'rejected'; partition: string; reason: PartitionProblem | 'PATTERN' | 'CAP'; message: string };

/**
 * Where a report of `stream` (a status update by default) for `partition` goes. `autoTopics` = that
 * stream's partition topics already auto-created (or found existing); the caller records `topic` in it
 * when it creates one for a `newTopic` route. Each stream has its own cap.
 */
export function statusTopicFor(
  partition: string | null,
  policy: TopicPolicy,
  autoTopics: ReadonlySet<string> = new Set(),
  stream: PartitionedStream = 'status',
): StatusRoute {
  const defaultTopic = `${policy.prefix}${stream}`; // = topicNames(prefix)[stream], without building RegExps
  if (partition === null) return { kind: 'default', topic: defaultTopic, partition: null };
  const invalid = partitionProblem(partition, policy);
  if (invalid) return { kind: 'rejected', partition, reason: invalid.problem, message: invalid.message };
  const topic = partitionTopicName(policy.prefix, partition, stream);
  if (policy.allow.includes(partition))
    return { kind: 'own', topic, partition, allowListed: true, newTopic: false };
  let reason: 'PATTERN' | 'CAP';
  if (!policy.pattern?.test(partition)) reason = 'PATTERN';
  else if (autoTopics.has(topic))
    return { kind: 'own', topic, partition, allowListed: false, newTopic: false };
  else if (autoTopics.size < policy.maxAutoPartitions)
    return { kind: 'own', topic, partition, allowListed: false, newTopic: true };
  else reason = 'CAP';
  if (policy.overflow === 'default') return { kind: 'overflow', topic: defaultTopic, partition, reason };
  return {
    kind: 'rejected',
    partition,
    reason,
    message:
      reason === 'PATTERN'
        ? 'partition name is not allowed by the topic policy'
        : `no more partitions accepted: the cap of ${policy.maxAutoPartitions} partition topics is reached`,
  };
}

/** Throws INVALID_TOPIC_POLICY for a policy that cannot produce legal names. */
export function checkTopicPolicy(policy: TopicPolicy): TopicPolicy {
  checkPrefix(policy.prefix);
  if (!Number.isInteger(policy.maxAutoPartitions) || policy.maxAutoPartitions < 0)
    throw new KafkaError('INVALID_TOPIC_POLICY', 'maxAutoPartitions must be an integer >= 0', {
      retriable: false,
    });
  if (!Number.isInteger(policy.maxPartitionLength) || policy.maxPartitionLength < 1)
    throw new KafkaError('INVALID_TOPIC_POLICY', 'maxPartitionLength must be an integer >= 1', {
      retriable: false,
    });
  return policy;
}

function checkPrefix(prefix: string): void {
  if (prefix.length > 100 || (prefix.length > 0 && !LEGAL_TOPIC.test(prefix)))
    throw new KafkaError(
      'INVALID_TOPIC_POLICY',
      `topic prefix ${JSON.stringify(prefix)} must be at most 100 characters of [A-Za-z0-9._-]`,
      { retriable: false },
    );
}
