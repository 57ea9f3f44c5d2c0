// The status-loader's configuration: environment variables validated once at start (README has the table).
import { type LoaderSettings, loaderEnvShape, loaderSettings } from '@opa-fleet/clickhouse';
import { envBoolean, envList, envPort, loadConfig } from '@opa-fleet/runtime';
import { z } from 'zod';

export const statusLoaderEnvSchema = z.object({
  ...loaderEnvShape,
  PORT: envPort(8081),
  HOST: z.string().default('0.0.0.0'),
  KAFKA_BROKERS: envList().pipe(
    z
      .array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port'))
      .min(1, 'required: host:port[,host:port...]'),
  ),
  KAFKA_CLIENT_ID: z.string().default('opa-status-loader'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, 'at most 100 characters of [A-Za-z0-9._-]')
    .default('opa.'),
  GROUP_ID: z.string().min(1).default('opa-status-loader'),
  /** How often to look for new partition topics (`<prefix>status.<partition>`). */
  TOPIC_REFRESH_MS: z.coerce.number().int().min(500).max(30_000).default(10_000),
  /** Create the standard topics (telemetry, status, dead letter, releases) when missing, like the gateway does. */
  CREATE_TOPICS: envBoolean(true),
  TOPIC_PARTITIONS: z.coerce.number().int().positive().default(3),
  TOPIC_REPLICATION_FACTOR: z.coerce.number().int().positive().default(1),
  RUN_MIGRATIONS: envBoolean(true),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
});

export interface StatusLoaderConfig extends LoaderSettings {
  port: number;
  host: string;
  kafkaBrokers: string[];
  kafkaClientId: string;
  topicPrefix: string;
  groupId: string;
  topicRefreshMs: number;
  createTopics: boolean;
  topicPartitions: number;
  topicReplicationFactor: number;
  runMigrations: boolean;
  shutdownTimeoutMs: number;
}

export function loadStatusLoaderConfig(
  env: Record<string, string | undefined> = process.env,
): StatusLoaderConfig {
  const e = loadConfig(statusLoaderEnvSchema, env, { service: 'status-loader' });
  return {
    ...loaderSettings(e),
    port: e.PORT,
    host: e.HOST,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaClientId: e.KAFKA_CLIENT_ID,
    topicPrefix: e.TOPIC_PREFIX,
    groupId: e.GROUP_ID,
    topicRefreshMs: e.TOPIC_REFRESH_MS,
    createTopics: e.CREATE_TOPICS,
    topicPartitions: e.TOPIC_PARTITIONS,
    topicReplicationFactor: e.TOPIC_REPLICATION_FACTOR,
    runMigrations: e.RUN_MIGRATIONS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
