// Stops and starts the servers of the native stack under a running test, for the fault suite.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const stackBin = fileURLToPath(new URL('../../infra/bin/stack', import.meta.url));

export type StackComponent = 'kafka' | 'clickhouse';

/** The fault suite restarts servers; only the native stack started by `infra/bin/stack` can be. */
export function assertNativeStack(): void {
  if (process.env.OPA_STACK_SOURCE !== 'native stack') {
    throw new Error(
      `the fault suite restarts Kafka and ClickHouse and needs the native stack (infra/bin/stack), but tests run against ${process.env.OPA_STACK_SOURCE ?? 'an unknown stack'}; unset KAFKA_BROKERS/CLICKHOUSE_URL to use it`,
    );
  }
}

export async function stopServer(component: StackComponent): Promise<void> {
  await run('bash', [stackBin, 'down', component]);
}

export async function startServer(component: StackComponent): Promise<void> {
  await run('bash', [stackBin, 'up', component], { timeout: 120_000 });
}
