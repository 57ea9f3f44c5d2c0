// The gateway's configuration: environment variables, validated once at start (see README for the table).
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { STATUS_SCHEMA_VERSIONS } from '@opa-fleet/contracts';
import {
  checkTopicPolicy,
  DEFAULT_TOPIC_POLICY,
  type ProducerOptions,
  type TopicPolicy,
} from '@opa-fleet/kafka';
import {
  envList,
  envPort,
  kafkaEnvShape,
  loadConfig,
  envPositiveInt as positiveInt,
} from '@opa-fleet/runtime';
import { z } from 'zod';

const regex = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source, 'u');
  } catch (err) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `not a valid regular expression (${(err as Error).message})`,
    });
    return z.NEVER;
  }
});

export const gatewayEnvSchema = z
  .object({
    PORT: envPort(8080),
    HOST: z.string().default('0.0.0.0'),
    GATEWAY_ID: z.string().max(255).default(hostname()),
    ...kafkaEnvShape({ clientId: 'opa-gateway' }),
    STATUS_PARTITION_ALLOW: envList(),
    STATUS_PARTITION_PATTERN: regex.optional(),
    STATUS_PARTITION_MAX_TOPICS: z.coerce
      .number()
      .int()
      .min(0)
      .default(DEFAULT_TOPIC_POLICY.maxAutoPartitions),
    STATUS_PARTITION_OVERFLOW: z.enum(['default', 'reject']).default('default'),
    STATUS_PARTITION_MAX_LENGTH: positiveInt(DEFAULT_TOPIC_POLICY.maxPartitionLength),
    BODY_LIMIT_BYTES: positiveInt(1024 * 1024),
    STATUS_AUTH_TOKENS: envList(),
    STATUS_AUTH_TOKENS_FILE: z.string().optional(),
    PRODUCER_LINGER_MS: z.coerce.number().int().min(0).max(1000).default(2),
    PRODUCER_MAX_BATCH: positiveInt(500),
    PRODUCER_MAX_PENDING: positiveInt(10_000),
    PRODUCER_SEND_TIMEOUT_MS: positiveInt(5000),
    PRODUCER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
    MAX_IN_FLIGHT_REQUESTS: positiveInt(5000),
    RETRY_AFTER_SECONDS: positiveInt(5),
    RELEASES_CHANNEL: z.string().default('latest'),
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
  /** Empty: /status is open. */
  authTokens: string[];
  /** The producer's tuning options (PRODUCER_* variables), passed to createProducer as they are. */
  producer: Required<
    Pick<
      ProducerOptions,
      'lingerMs' | 'maxBatchMessages' | 'maxPendingMessages' | 'sendTimeoutMs' | 'concurrency'
    >
  >;
  maxInFlightRequests: number;
  retryAfterSeconds: number;
  releasesChannel: string;
  shutdownTimeoutMs: number;
  /** The status schema version records are written with (the newest kept one unless configured). */
  statusSchemaVersion: number;
}

/** One token per line; blank lines and `#` comments ignored. */
export function parseTokenFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
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
    authTokens: e.authTokens,
    producer: {
      lingerMs: e.PRODUCER_LINGER_MS,
      maxBatchMessages: e.PRODUCER_MAX_BATCH,
      maxPendingMessages: e.PRODUCER_MAX_PENDING,
      sendTimeoutMs: e.PRODUCER_SEND_TIMEOUT_MS,
      concurrency: e.PRODUCER_CONCURRENCY,
    },
    maxInFlightRequests: e.MAX_IN_FLIGHT_REQUESTS,
    retryAfterSeconds: e.RETRY_AFTER_SECONDS,
    releasesChannel: e.RELEASES_CHANNEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    statusSchemaVersion: e.STATUS_SCHEMA_VERSION ?? Math.max(...STATUS_SCHEMA_VERSIONS),
  };
}
