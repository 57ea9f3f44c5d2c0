// Environment variables shared by both loaders (ClickHouse connection, batching, retry), as a zod
// shape each service merges into its own schema.
import { z } from 'zod';
import type { ClickHouseConfig } from './client';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const identifier = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain identifier ([A-Za-z_][A-Za-z0-9_]*)');

export const loaderEnvShape = {
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
  RETRY_INITIAL_MS: positiveInt(500),
  RETRY_MAX_MS: positiveInt(30_000),
};

type LoaderEnv = z.output<z.ZodObject<typeof loaderEnvShape>>;

export interface LoaderSettings {
  clickhouse: ClickHouseConfig;
  batch: { maxRows: number; maxBytes: number; maxWaitMs: number };
  retry: { initialMs: number; maxMs: number };
}

export function loaderSettings(env: LoaderEnv): LoaderSettings {
  return {
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
    retry: { initialMs: env.RETRY_INITIAL_MS, maxMs: env.RETRY_MAX_MS },
  };
}
