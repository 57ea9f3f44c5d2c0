// Finds the Kafka and ClickHouse the integration tests talk to, in this order:
//   1. KAFKA_BROKERS / CLICKHOUSE_URL from the environment;
//   2. testcontainers, when a Docker engine answers;
//   3. the native stack (infra/bin/stack up): real Apache Kafka + Debian's clickhouse-server.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface StackAddresses {
  kafkaBrokers: string;
  clickhouseUrl: string;
  /** How the addresses were found, for the log line. */
  source: 'environment' | 'testcontainers' | 'native stack';
  /** Stops what discovery started; a no-op for stacks it found running. */
  stop: () => Promise<void>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const stackBin = `${repoRoot}infra/bin/stack`;

function fromEnvironment(): StackAddresses | null {
  const { KAFKA_BROKERS, CLICKHOUSE_URL, OPA_STACK_SOURCE } = process.env;
  if (!KAFKA_BROKERS || !CLICKHOUSE_URL) return null;
  return {
    kafkaBrokers: KAFKA_BROKERS,
    clickhouseUrl: CLICKHOUSE_URL,
    // Another project's global setup in this vitest run already found the stack: keep its answer
    // (and leave stopping it to that setup).
    source: (OPA_STACK_SOURCE as StackAddresses['source'] | undefined) ?? 'environment',
    stop: async () => {},
  };
}

function dockerMayAnswer(): boolean {
  if (process.env.OPA_NO_TESTCONTAINERS === '1') return false;
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

async function fromTestcontainers(): Promise<StackAddresses | null> {
  if (!dockerMayAnswer()) return null;
  const { getContainerRuntimeClient } = await import('testcontainers');
  try {
    const client = await getContainerRuntimeClient();
    await client.info;
  } catch {
    return null;
  }
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { ClickHouseContainer } = await import('@testcontainers/clickhouse');
  const [kafka, clickhouse] = await Promise.all([
    new KafkaContainer(process.env.KAFKA_IMAGE ?? 'confluentinc/cp-kafka:7.9.0').withKraft().start(),
    new ClickHouseContainer(process.env.CLICKHOUSE_IMAGE ?? 'clickhouse/clickhouse-server:25.3').start(),
  ]);
  return {
    kafkaBrokers: `${kafka.getHost()}:${kafka.getMappedPort(9093)}`,
    clickhouseUrl: clickhouse.getConnectionUrl(),
    source: 'testcontainers',
    stop: async () => {
      await Promise.all([kafka.stop(), clickhouse.stop()]);
    },
  };
}

function stackRunning(): boolean {
  try {
    execFileSync('bash', [stackBin, 'status'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function fromNativeStack(): StackAddresses {
  const wasRunning = stackRunning();
  // Inherit stdio so a failing start shows its clear message and log tail in the test output.
  execFileSync('bash', [stackBin, 'up'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const env = execFileSync('bash', [stackBin, 'env'], { encoding: 'utf8' });
  const value = (name: string) => new RegExp(`${name}=(\\S+)`).exec(env)?.[1] ?? '';
  return {
    kafkaBrokers: value('KAFKA_BROKERS'),
    clickhouseUrl: value('CLICKHOUSE_URL'),
    source: 'native stack',
    stop: async () => {
      // Leave a stack the developer had running; stop only what this run started.
      if (!wasRunning && process.env.OPA_KEEP_STACK !== '1') {
        execFileSync('bash', [stackBin, 'down'], { stdio: 'inherit' });
      }
    },
  };
}

export async function discoverStack(): Promise<StackAddresses> {
  return fromEnvironment() ?? (await fromTestcontainers()) ?? fromNativeStack();
}
