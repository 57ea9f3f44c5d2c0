// The gateway's configuration: environment variables, validated once at start (see README for the table).
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import {
  DEFAULT_DECISION_RECORD_BYTES,
  DROPPABLE_DECISION_FIELDS,
  type DroppableDecisionField,
  STATUS_SCHEMA_VERSIONS,
} from '@opa-fleet/contracts';
import {
  checkTopicPolicy,
  DEFAULT_TOPIC_POLICY,
  type ProducerOptions,
  type TopicPolicy,
} from '@opa-fleet/kafka';
import {
  envList,
  envPort,
  envRegex,
  kafkaEnvShape,
  loadConfig,
  parseTokenFile,
  envPositiveInt as positiveInt,
} from '@opa-fleet/runtime';
import { z } from 'zod';

export const gatewayEnvSchema = z
  .object({
    PORT: envPort(8080),
    HOST: z.string().default('0.0.0.0'),
    GATEWAY_ID: z.string().max(255).default(hostname()),
    ...kafkaEnvShape({ clientId: 'opa-gateway' }),
    STATUS_PARTITION_ALLOW: envList(),
    STATUS_PARTITION_PATTERN: envRegex().optional(),
    STATUS_PARTITION_MAX_TOPICS: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_TOPIC_POLICY.maxAutoPartitions),
    STATUS_PARTITION_OVERFLOW: z.enum(['default', 'reject']).default('default'),
    STATUS_PARTITION_MAX_LENGTH: positiveInt(DEFAULT_TOPIC_POLICY.maxPartitionLength),
    BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
    // Decision-log uploads, after gzip: OPA's chunks are 32 KB gzipped by default (upload_size_limit_bytes,
    // configurable), which inflate to well under this.
    LOGS_BODY_LIMIT_BYTES: positiveInt(16 * 1024 * 1024),
    // An upload's valid events travel as DecisionBatch records of at most this many bytes (a lone larger
    // event alone): keep it well under the broker's message.max.bytes (1 MiB by default).
    LOGS_RECORD_MAX_BYTES: z.coerce
      .number()
      .int()
      .min(16 * 1024)
      .max(64 * 1024 * 1024)
      .default(DEFAULT_DECISION_RECORD_BYTES),
    // Decision-event fields dropped before they are stored (privacy), e.g. `input,requested_by`.
    DECISION_DROP_FIELDS: envList().pipe(
      z.array(
        z.enum(DROPPABLE_DECISION_FIELDS, { message: `one of ${DROPPABLE_DECISION_FIELDS.join(', ')}` }),
      ),
    ),
    STATUS_AUTH_TOKENS: envList(),
    STATUS_AUTH_TOKENS_FILE: z.string().optional(),
    PRODUCER_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(2),
    PRODUCER_MAX_BATCH: positiveInt(500),
    PRODUCER_MAX_PENDING: positiveInt(10_000),
    // Bytes of records queued or in flight: the bound that holds for large records (a decision-log upload
    // is one record of up to LOGS_RECORD_MAX_BYTES), and so for the gateway's memory.
    PRODUCER_MAX_PENDING_BYTES: positiveInt(64 * 1024 * 1024),
    PRODUCER_SEND_TIMEOUT_MS: positiveInt(5000),
    PRODUCER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
    // Request admission (admission.ts): a limit on requests in flight steered by the measured latency
    // (wait + event-loop lateness) against ADMISSION_TARGET_LATENCY_MS, from ADMISSION_INITIAL_IN_FLIGHT,
    // between ADMISSION_MIN_IN_FLIGHT and MAX_IN_FLIGHT_REQUESTS, and bodies by declared length up to
    // MAX_IN_FLIGHT_BYTES, none while one has waited past ADMISSION_MAX_WAIT_MS; beyond: 503 before the
    // body is read.
    MAX_IN_FLIGHT_REQUESTS: positiveInt(1000),
    ADMISSION_MIN_IN_FLIGHT: positiveInt(4),
    ADMISSION_INITIAL_IN_FLIGHT: positiveInt(64),
    ADMISSION_TARGET_LATENCY_MS: positiveInt(250),
    MAX_IN_FLIGHT_BYTES: positiveInt(32 * 1024 * 1024),
    ADMISSION_MAX_WAIT_MS: positiveInt(1000),
    RETRY_AFTER_SECONDS: positiveInt(5),
    // The CPU work on report bodies runs in event-loop turns of at most this many ms (work-turns.ts), so
    // the loop keeps accepting connections and refusing what it cannot take; 0: inline, no turns.
    WORK_TURN_BUDGET_MS: z.coerce.number().int().min(0).max(1000).default(2),
    // Worker threads for that work (work-threads.ts), so the event loop only moves bytes; 0: on the event
    // loop, in WORK_TURN_BUDGET_MS turns. Default: one per core, at most 4.
    WORK_THREADS: z.coerce.number().int().min(0).max(64).default(Math.min(4, availableParallelism())),
    // Bodies under this many bytes are worked on the event loop even with threads: their trip to a
    // thread costs the loop more than their work.
    WORK_THREAD_MIN_BYTES: z.coerce.number().int().min(0).default(8192),
    RELEASES_CHANNEL: z.string().default('latest'),
    // The repositories whose GitHub-style release endpoints the gateway serves (OPA 1.7+ asks
    // /repos/open-policy-agent/opa/releases/latest); GitHub compares them case-insensitively.
    RELEASE_REPOSITORIES: envList(['open-policy-agent/opa']).pipe(
      z
        .array(z.string().regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, 'expected owner/repo'))
        .min(1, 'at least one owner/repo'),
    ),
    // The gateway's URL as clients see it (behind a load balancer), for the API links in release replies;
    // unset: taken from each request's Host header.
    PUBLIC_URL: z.string().url().optional(),
    SHUTDOWN_TIMEOUT_MS: positiveInt(15_000),
    // Empty: the newest kept version. An older one during a rolling upgrade (consumers first).
    STATUS_SCHEMA_VERSION: z.coerce
      .number()
      .int()
      .refine((v) => STATUS_SCHEMA_VERSIONS.includes(v), {
        message: `must be a kept status schema version: ${STATUS_SCHEMA_VERSIONS.join(', ')}`,
      })
      .optional(),
  })
  .transform((env, ctx) => {
    let fileTokens: string[] = [];
    if (env.STATUS_AUTH_TOKENS_FILE) {
      try {
        fileTokens = parseTokenFile(readFileSync(env.STATUS_AUTH_TOKENS_FILE, 'utf8'));
      } catch (err) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['STATUS_AUTH_TOKENS_FILE'],
          message: `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        });
        return z.NEVER;
      }
    }
    return { ...env, authTokens: [...env.STATUS_AUTH_TOKENS, ...fileTokens] };
  });

export interface GatewayConfig {
  port: number;
  host: string;
  gatewayId: string;
  kafkaBrokers: string[];
  kafkaClientId: string;
  topicPrefix: string;
  topicPartitions: number;
  topicReplicationFactor: number;
  createTopics: boolean;
  topicPolicy: TopicPolicy;
  bodyLimitBytes: number;
  /** Limit of a decision-log upload after gzip. */
  logsBodyLimitBytes: number;
  /** Largest DecisionBatch record (a lone event above it travels alone). */
  logsRecordMaxBytes: number;
  /** Decision-event fields never stored. */
  decisionDropFields: ReadonlySet<DroppableDecisionField>;
  /** Empty: /status (and /logs) is open. */
  authTokens: string[];
  /** The producer's tuning options (PRODUCER_* variables), passed to createProducer as they are. */
  producer: Required<
    Pick<
      ProducerOptions,
      | 'lingerMs'
      | 'maxBatchMessages'
      | 'maxPendingMessages'
      | 'maxPendingBytes'
      | 'sendTimeoutMs'
      | 'concurrency'
    >
  >;
  /** The request-admission bounds (admission.ts). */
  admission: {
    maxInFlightRequests: number;
    minInFlightRequests: number;
    initialInFlightRequests: number;
    targetLatencyMs: number;
    maxInFlightBytes: number;
    maxWaitMs: number;
  };
  retryAfterSeconds: number;
  /** The most CPU work on bodies one event-loop turn starts, ms (work-turns.ts); 0: inline. */
  workTurnBudgetMs: number;
  /** Worker threads for the CPU work on bodies (work-threads.ts); 0: on the event loop, in turns. */
  workThreads: number;
  /** Bodies under this many bytes are worked on the event loop even with threads. */
  workThreadMinBytes: number;
  releasesChannel: string;
  /** `owner/repo` pairs served at /repos/{owner}/{repo}/releases[/latest], lower-case. */
  releaseRepositories: string[];
  /** Base of the API links in release replies (no trailing slash); null: from the request's Host. */
  publicUrl: string | null;
  shutdownTimeoutMs: number;
  /** The status schema version records are written with (the newest kept one unless configured). */
  statusSchemaVersion: number;
}

export function loadGatewayConfig(env: Record<string, string | undefined> = process.env): GatewayConfig {
  const e = loadConfig(gatewayEnvSchema, env, { service: 'gateway' });
  return {
    port: e.PORT,
    host: e.HOST,
    gatewayId: e.GATEWAY_ID,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaClientId: e.KAFKA_CLIENT_ID,
    topicPrefix: e.TOPIC_PREFIX,
    topicPartitions: e.TOPIC_PARTITIONS,
    topicReplicationFactor: e.TOPIC_REPLICATION_FACTOR,
    createTopics: e.CREATE_TOPICS,
    topicPolicy: checkTopicPolicy({
      prefix: e.TOPIC_PREFIX,
      allow: e.STATUS_PARTITION_ALLOW,
      pattern: e.STATUS_PARTITION_PATTERN ?? DEFAULT_TOPIC_POLICY.pattern,
      maxAutoPartitions: e.STATUS_PARTITION_MAX_TOPICS,
      overflow: e.STATUS_PARTITION_OVERFLOW,
      maxPartitionLength: e.STATUS_PARTITION_MAX_LENGTH,
    }),
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    logsBodyLimitBytes: e.LOGS_BODY_LIMIT_BYTES,
    logsRecordMaxBytes: e.LOGS_RECORD_MAX_BYTES,
    decisionDropFields: new Set(e.DECISION_DROP_FIELDS),
    authTokens: e.authTokens,
    producer: {
      lingerMs: e.PRODUCER_LINGER_MS,
      maxBatchMessages: e.PRODUCER_MAX_BATCH,
      maxPendingMessages: e.PRODUCER_MAX_PENDING,
      maxPendingBytes: e.PRODUCER_MAX_PENDING_BYTES,
      sendTimeoutMs: e.PRODUCER_SEND_TIMEOUT_MS,
      concurrency: e.PRODUCER_CONCURRENCY,
    },
    admission: {
      maxInFlightRequests: e.MAX_IN_FLIGHT_REQUESTS,
      minInFlightRequests: Math.min(e.ADMISSION_MIN_IN_FLIGHT, e.MAX_IN_FLIGHT_REQUESTS),
      initialInFlightRequests: Math.min(
        Math.max(e.ADMISSION_INITIAL_IN_FLIGHT, e.ADMISSION_MIN_IN_FLIGHT),
        e.MAX_IN_FLIGHT_REQUESTS,
      ),
      targetLatencyMs: e.ADMISSION_TARGET_LATENCY_MS,
      maxInFlightBytes: e.MAX_IN_FLIGHT_BYTES,
      maxWaitMs: e.ADMISSION_MAX_WAIT_MS,
    },
    retryAfterSeconds: e.RETRY_AFTER_SECONDS,
    workTurnBudgetMs: e.WORK_TURN_BUDGET_MS,
    workThreads: e.WORK_THREADS,
    workThreadMinBytes: e.WORK_THREAD_MIN_BYTES,
    releasesChannel: e.RELEASES_CHANNEL,
    releaseRepositories: e.RELEASE_REPOSITORIES.map((r) => r.toLowerCase()),
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, '') ?? null,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    statusSchemaVersion: e.STATUS_SCHEMA_VERSION ?? Math.max(...STATUS_SCHEMA_VERSIONS),
  };
}
