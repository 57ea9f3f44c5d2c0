// The cluster stack (infra/bin/stack --cluster) under a running test: its addresses, and SIGKILL and
// restart of single servers for the cluster fault suite. Node numbers are those of infra/cluster/cluster.sh:
// Kafka 1..3 (node id = number), ClickHouse 1..4 (1, 2: shard 1; 3, 4: shard 2).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers } from './stack';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const stackBin = join(repoRoot, 'infra/bin/stack');
const clusterState = () => join(process.env.OPA_STATE_DIR ?? join(repoRoot, '.state'), 'cluster');

export const CLUSTER_SOURCE = 'cluster stack';

export function assertClusterStack(): void {
  if (process.env.OPA_STACK_SOURCE !== CLUSTER_SOURCE || !process.env.CLICKHOUSE_CLUSTER) {
    throw new Error(
      `the cluster suite needs the cluster stack (infra/bin/stack up --cluster, found by test/support/cluster-setup.ts), but tests run against ${process.env.OPA_STACK_SOURCE ?? 'an unknown stack'}`,
    );
  }
}

/** Every ClickHouse server's URL, in shard order: [shard 1 replica 1, shard 1 replica 2, shard 2 ...]. */
export function clusterUrls(): string[] {
  const value = process.env.CLICKHOUSE_CLUSTER_URLS;
  if (!value) throw new Error('CLICKHOUSE_CLUSTER_URLS is not set (infra/bin/stack env --cluster)');
  return value.split(',');
}

function pidOf(server: string): number {
  const file = join(clusterState(), server, server.startsWith('kafka') ? 'kafka.pid' : 'clickhouse.pid');
  return Number(readFileSync(file, 'utf8').trim());
}

/** SIGKILL, as a crash: no shutdown, nothing flushed. Resolves once the process is gone. */
export async function killServer(server: `kafka-${number}` | `clickhouse-${number}`): Promise<void> {
  const pid = pidOf(server);
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${server} (pid ${pid}) still runs after SIGKILL`);
}

/** Starts whatever of the component is down (the nodes still up answer "already running"). */
export async function startCluster(component: 'kafka' | 'clickhouse'): Promise<void> {
  await run('bash', [stackBin, 'up', component, '--cluster'], { timeout: 240_000 });
}

/** The node id of the broker leading `topic`'s partition. */
export async function leaderOf(topic: string, partition: number): Promise<number> {
  const admin = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    const leader = topics[0]?.partitions.find((p) => p.partitionId === partition)?.leader;
    if (leader === undefined || leader < 0) throw new Error(`no leader for ${topic}/${partition}`);
    return leader;
  } finally {
    await admin.disconnect();
  }
}
