// Environment of the release advisor, validated once at start (see README for every variable).
import {
  envBoolean,
  envKafkaBrokers,
  envPort,
  envTopicPrefix,
  loadConfig,
  envPositiveInt as positiveMs,
} from '@opa-fleet/runtime';
import { z } from 'zod';

/** What both the service and the operator CLI need: where the releases topic is. */
export const kafkaEnvSchema = z.object({
  KAFKA_BROKERS: envKafkaBrokers(),
  TOPIC_PREFIX: envTopicPrefix(),
  /** Overrides `<TOPIC_PREFIX>releases`. */
  RELEASES_TOPIC: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,249}$/, 'a legal Kafka topic name')
    .optional(),
  /** Used only when the advisor creates the releases topic (1 for dev/CI, 3 in production). */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
  RELEASES_CHANNEL: z.string().min(1).max(100).default('latest'),
  DOWNLOAD_BASE: z.string().url().default('https://openpolicyagent.org/downloads'),
});

export const configSchema = kafkaEnvSchema.extend({
  PORT: envPort(8083),
  HOST: z.string().default('0.0.0.0'),
  RELEASES_API_ENABLED: envBoolean(true),
  RELEASES_API_URL: z.string().url().default('https://api.github.com/repos/open-policy-agent/opa/releases'),
  /** Optional GitHub token (raises the rate limit); sent as a bearer token, never logged. */
  RELEASES_API_TOKEN: z.string().optional(),
  /** GitHub allows 60 unauthenticated requests an hour; 304s answered to If-None-Match are cheap. */
  RELEASES_POLL_INTERVAL_MS: positiveMs(600_000),
  RELEASES_API_TIMEOUT_MS: positiveMs(10_000),
  RELEASES_FILE: z.string().min(1).optional(),
  RELEASES_FILE_POLL_INTERVAL_MS: positiveMs(30_000),
  /** First retry delay after a failure; doubles up to the source's poll interval. */
  RETRY_MIN_MS: positiveMs(5_000),
  SHUTDOWN_TIMEOUT_MS: positiveMs(10_000),
});

export type KafkaEnv = z.output<typeof kafkaEnvSchema>;
export type AdvisorConfig = z.output<typeof configSchema>;

export function releasesTopic(env: KafkaEnv): string {
  return env.RELEASES_TOPIC ?? `${env.TOPIC_PREFIX}releases`;
}

export function loadAdvisorConfig(env: Record<string, string | undefined> = process.env): AdvisorConfig {
  return loadConfig(configSchema, env, { service: 'release-advisor' });
}

export function loadKafkaEnv(env: Record<string, string | undefined> = process.env): KafkaEnv {
  return loadConfig(kafkaEnvSchema, env, { service: 'release-advisor cli' });
}
