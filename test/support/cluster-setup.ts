// Vitest global setup of the cluster project: the cluster stack (infra/bin/stack up --cluster: three
// Kafka brokers, ZooKeeper, four ClickHouse servers), its addresses handed to every test file and to
// the services they start (KAFKA_BROKERS, CLICKHOUSE_URL, CLICKHOUSE_CLUSTER, TOPIC_REPLICATION_FACTOR...).
// Stopped afterwards if this run started it (OPA_KEEP_STACK=1 keeps it).
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CLUSTER_SOURCE } from './cluster-stack';

const stackBin = fileURLToPath(new URL('../../infra/bin/stack', import.meta.url));

function running(): boolean {
  try {
    execFileSync('bash', [stackBin, 'status', '--cluster'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const wasRunning = running();
  execFileSync('bash', [stackBin, 'up', '--cluster'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const env = execFileSync('bash', [stackBin, 'env', '--cluster'], { encoding: 'utf8' });
  for (const [, name, value] of env.matchAll(/^export (\w+)=(\S*)$/gm)) process.env[name!] = value!;
  process.env.OPA_STACK_SOURCE = CLUSTER_SOURCE;
  console.log(
    `[cluster] using the cluster stack: KAFKA_BROKERS=${process.env.KAFKA_BROKERS} CLICKHOUSE_URL=${process.env.CLICKHOUSE_URL} CLICKHOUSE_CLUSTER=${process.env.CLICKHOUSE_CLUSTER}`,
  );
  return async () => {
    if (!wasRunning && process.env.OPA_KEEP_STACK !== '1') {
      execFileSync('bash', [stackBin, 'down', '--cluster'], { stdio: 'inherit' });
    }
  };
}
