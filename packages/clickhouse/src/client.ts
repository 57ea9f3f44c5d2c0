// Client factory: one @clickhouse/client instance per process, configured once.
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';

export interface ClickHouseConfig {
  /** `CLICKHOUSE_URL`, e.g. http://127.0.0.1:8123 */
  url: string;
  username?: string;
  password?: string;
  /** Database the tables live in (created by the migrations). */
  database: string;
  /** `CLICKHOUSE_CLUSTER`: when set, DDL runs `ON CLUSTER` with Replicated and Distributed tables. */
  cluster?: string | null;
  /** ZooKeeper path of replicated tables; `{database}` and `{table}` are filled in, `{shard}` is a server macro. */
  zookeeperPath?: string;
  /** Replica name of replicated tables; `{replica}` is a server macro. */
  replicaName?: string;
  requestTimeoutMs?: number;
}

export type { ClickHouseClient };

export function createClickHouseClient(
  config: ClickHouseConfig,
  options: { database?: string } = {},
): ClickHouseClient {
  return createClient({
    url: config.url,
    username: config.username ?? 'default',
    password: config.password ?? '',
    database: options.database ?? config.database,
    request_timeout: config.requestTimeoutMs ?? 30_000,
    // 18.16 predates most settings the client may send; send none by default.
    clickhouse_settings: {},
    compression: { request: false, response: false },
    // Failures surface as ClickHouseStoreError to the caller, which logs them with the process logger.
    log: { level: ClickHouseLogLevel.OFF },
  });
}
