// Environment variables every loader reads (Kafka, topics, ClickHouse, batching, retry, ops server,
// shutdown), as a zod shape each service spreads into its own schema next to its own variables.
import type { ClickHouseConfig } from '@opa-fleet/clickhouse';
import { envBoolean, envPort, kafkaEnvShape, envPositiveInt as positiveInt } from '@opa-fleet/runtime';
import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain identifier ([A-Za-z_][A-Za-z0-9_]*)');

/** The shared variables; `service` names the default client id and consumer group (`opa-<service>`). */
export function loaderEnvShape(defaults: { service: string; port: number }) {
  return {
    PORT: envPort(defaults.port),
    HOST: z.string().default('0.0.0.0'),
    ...kafkaEnvShape({ clientId: `opa-${defaults.service}` }),
    GROUP_ID: z.string().min(1).default(`opa-${defaults.service}`),
    RUN_MIGRATIONS: envBoolean(true),
    SHUTDOWN_TIMEOUT_MS: positiveInt(20_000),
    CLICKHOUSE_URL: z.string().url().default('http://127.0.0.1:8123'),
    CLICKHOUSE_USER: z.string().default('default'),
    CLICKHOUSE_PASSWORD: z.string().default(''),
    CLICKHOUSE_DATABASE: identifier.default('opa'),
    CLICKHOUSE_CLUSTER: identifier.optional(),
    CLICKHOUSE_ZOOKEEPER_PATH: z.string().optional(),
    CLICKHOUSE_REPLICA: z.string().optional(),
    CLICKHOUSE_REQUEST_TIMEOUT_MS: positiveInt(30_000),
    /** Flush a batch at this many rows (all tables together). */
    BATCH_MAX_ROWS: positiveInt(200_000),
    BATCH_MAX_BYTES: positiveInt(32 * 1024 * 1024),
    /** ... or this long after its first record: about one insert per table per second under load. */
    BATCH_MAX_WAIT_MS: positiveInt(1000),
    /**
     * One batch per topic-partition, its end recorded in the offset commit before the insert, so a
     * loader killed between insert and commit re-inserts the same blocks (dropped by replicated
     * deduplication). Default: on with CLICKHOUSE_CLUSTER, off without.
     */
    EXACTLY_ONCE_BATCHES: z.enum(['true', 'false']).optional(),
    /**
     * Test hook (cluster fault suite): SIGKILL this process after this many written batches, before
     * their offsets are committed; once, when LOADER_TEST_KILL_MARKER (a file it creates) is given.
     */
    LOADER_TEST_KILL_AFTER_WRITES: z.coerce.number().int().positive().optional(),
    LOADER_TEST_KILL_MARKER: z.string().optional(),
    RETRY_INITIAL_MS: positiveInt(500),
    RETRY_MAX_MS: positiveInt(30_000),
  };
}

export type LoaderEnv = z.output<z.ZodObject<ReturnType<typeof loaderEnvShape>>>;

export interface LoaderConfig {
  port: number;
  host: string;
  kafkaBrokers: string[];
  kafkaClientId: string;
  topicPrefix: string;
  groupId: string;
  createTopics: boolean;
  topicPartitions: number;
  topicReplicationFactor: number;
  runMigrations: boolean;
  shutdownTimeoutMs: number;
  clickhouse: ClickHouseConfig;
  batch: { maxRows: number; maxBytes: number; maxWaitMs: number };
  exactlyOnce: boolean;
  testKill: { afterWrites: number; marker: string | null } | null;
  retry: { initialMs: number; maxMs: number };
}

export function loaderConfig(env: LoaderEnv): LoaderConfig {
  return {
    port: env.PORT,
    host: env.HOST,
    kafkaBrokers: env.KAFKA_BROKERS,
    kafkaClientId: env.KAFKA_CLIENT_ID,
    topicPrefix: env.TOPIC_PREFIX,
    groupId: env.GROUP_ID,
    createTopics: env.CREATE_TOPICS,
    topicPartitions: env.TOPIC_PARTITIONS,
    topicReplicationFactor: env.TOPIC_REPLICATION_FACTOR,
    runMigrations: env.RUN_MIGRATIONS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    clickhouse: {
      url: env.CLICKHOUSE_URL,
      username: env.CLICKHOUSE_USER,
      password: env.CLICKHOUSE_PASSWORD,
      database: env.CLICKHOUSE_DATABASE,
      cluster: env.CLICKHOUSE_CLUSTER ?? null,
      zookeeperPath: env.CLICKHOUSE_ZOOKEEPER_PATH,
      replicaName: env.CLICKHOUSE_REPLICA,
      requestTimeoutMs: env.CLICKHOUSE_REQUEST_TIMEOUT_MS,
    },
    batch: { maxRows: env.BATCH_MAX_ROWS, maxBytes: env.BATCH_MAX_BYTES, maxWaitMs: env.BATCH_MAX_WAIT_MS },
    exactlyOnce:
      env.EXACTLY_ONCE_BATCHES === undefined
        ? env.CLICKHOUSE_CLUSTER !== undefined
        : env.EXACTLY_ONCE_BATCHES === 'true',
    testKill:
      env.LOADER_TEST_KILL_AFTER_WRITES === undefined
        ? null
        : { afterWrites: env.LOADER_TEST_KILL_AFTER_WRITES, marker: env.LOADER_TEST_KILL_MARKER ?? null },
    retry: { initialMs: env.RETRY_INITIAL_MS, maxMs: env.RETRY_MAX_MS },
  };
}
