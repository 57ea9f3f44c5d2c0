// The telemetry-loader's configuration: environment variables validated once at start (README has the table).
import { type LoaderSettings, loaderEnvShape, loaderSettings } from '@opa-fleet/clickhouse';
import { envBoolean, envList, envPort, loadConfig } from '@opa-fleet/runtime';
import { z } from 'zod';

export const telemetryLoaderEnvSchema = z.object({
  ...loaderEnvShape,
  PORT: envPort(8082),
  HOST: z.string().default('0.0.0.0'),
  KAFKA_BROKERS: envList().pipe(
    z
      .array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port'))
      .min(1, 'required: host:port[,host:port...]'),
  ),
  KAFKA_CLIENT_ID: z.string().default('opa-telemetry-loader'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, 'at most 100 characters of [A-Za-z0-9._-]')
    .default('opa.'),
  GROUP_ID: z.string().min(1).default('opa-telemetry-loader'),
  /** Also load the releases topic into the `releases` table (for "share on the latest release"). */
  LOAD_RELEASES: envBoolean(true),
  /** Create the standard topics (telemetry, status, dead letter, releases) when missing, like the gateway does. */
  CREATE_TOPICS: envBoolean(true),
  TOPIC_PARTITIONS: z.coerce.number().int().positive().default(3),
  TOPIC_REPLICATION_FACTOR: z.coerce.number().int().positive().default(1),
  RUN_MIGRATIONS: envBoolean(true),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().default(20_000),
});

export interface TelemetryLoaderConfig extends LoaderSettings {
  port: number;
  host: string;
  kafkaBrokers: string[];
  kafkaClientId: string;
  topicPrefix: string;
  groupId: string;
  loadReleases: boolean;
  createTopics: boolean;
  topicPartitions: number;
  topicReplicationFactor: number;
  runMigrations: boolean;
  shutdownTimeoutMs: number;
}

export function loadTelemetryLoaderConfig(
  env: Record<string, string | undefined> = process.env,
): TelemetryLoaderConfig {
  const e = loadConfig(telemetryLoaderEnvSchema, env, { service: 'telemetry-loader' });
  return {
    ...loaderSettings(e),
    port: e.PORT,
    host: e.HOST,
    kafkaBrokers: e.KAFKA_BROKERS,
    kafkaClientId: e.KAFKA_CLIENT_ID,
    topicPrefix: e.TOPIC_PREFIX,
    groupId: e.GROUP_ID,
    loadReleases: e.LOAD_RELEASES,
    createTopics: e.CREATE_TOPICS,
    topicPartitions: e.TOPIC_PARTITIONS,
    topicReplicationFactor: e.TOPIC_REPLICATION_FACTOR,
    runMigrations: e.RUN_MIGRATIONS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
