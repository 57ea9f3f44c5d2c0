// `npm run backfill [-- <pre-aggregate> ...]`: fills the pre-aggregates (migrations 015+) from the rows
// loaded before their migration. Reads the loaders' ClickHouse variables (CLICKHOUSE_URL, _USER,
// _PASSWORD, _DATABASE, _CLUSTER, _ZOOKEEPER_PATH, _REPLICA) and CLICKHOUSE_REQUEST_TIMEOUT_MS (default
// 30 minutes: one statement aggregates a month of a source table). Safe to re-run and to run while the
// loaders write (see backfill.ts).
import { pathToFileURL } from 'node:url';
import { runBackfill } from './backfill';
import type { ClickHouseConfig } from './client';

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The connection from the environment, or every problem with it (pure). */
export function backfillConfigFromEnv(
  env: Record<string, string | undefined>,
): { config: ClickHouseConfig; problems: [] } | { config: null; problems: string[] } {
  const problems: string[] = [];
  const url = env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
  if (!URL.canParse(url)) problems.push(`CLICKHOUSE_URL ${JSON.stringify(url)} is not a URL`);
  const database = env.CLICKHOUSE_DATABASE ?? 'opa';
  if (!IDENTIFIER.test(database))
    problems.push(`CLICKHOUSE_DATABASE ${JSON.stringify(database)} is not a plain identifier`);
  const cluster = env.CLICKHOUSE_CLUSTER || null;
  if (cluster !== null && !IDENTIFIER.test(cluster))
    problems.push(`CLICKHOUSE_CLUSTER ${JSON.stringify(cluster)} is not a plain identifier`);
  const timeout = Number(env.CLICKHOUSE_REQUEST_TIMEOUT_MS ?? 30 * 60_000);
  if (!Number.isInteger(timeout) || timeout <= 0)
    problems.push('CLICKHOUSE_REQUEST_TIMEOUT_MS must be a positive integer');
  if (problems.length > 0) return { config: null, problems };
  return {
    config: {
      url,
      username: env.CLICKHOUSE_USER ?? 'default',
      password: env.CLICKHOUSE_PASSWORD ?? '',
      database,
      cluster,
      ...(env.CLICKHOUSE_ZOOKEEPER_PATH ? { zookeeperPath: env.CLICKHOUSE_ZOOKEEPER_PATH } : {}),
      ...(env.CLICKHOUSE_REPLICA ? { replicaName: env.CLICKHOUSE_REPLICA } : {}),
      requestTimeoutMs: timeout,
    },
    problems: [],
  };
}

async function main(): Promise<number> {
  const parsed = backfillConfigFromEnv(process.env);
  if (parsed.config === null) {
    console.error(`backfill: ${parsed.problems.join('; ')}`);
    return 2;
  }
  const only = process.argv.slice(2);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const logger = { info: (obj: object, msg?: string) => print(`${msg ?? ''} ${JSON.stringify(obj)}`) };
  try {
    const reports = await runBackfill(parsed.config, { logger, ...(only.length > 0 ? { only } : {}) });
    for (const r of reports) print(`${r.target}: ${r.partitions} partition(s) in ${r.seconds.toFixed(1)} s`);
    return 0;
  } catch (err) {
    console.error(`backfill failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await main();
}
