// The stack scripts fail with a clear message, not a stack trace, when they cannot start.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function runScript(script: string, env: Record<string, string>) {
  return spawnSync('bash', [join(repoRoot, script), 'up'], {
    env: { ...process.env, ...env, OPA_STATE_DIR: mkdtempSync(join(tmpdir(), 'opa-stack-')) },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('stack scripts', () => {
  let blocker: Server;
  let takenPort = 0;

  beforeAll(async () => {
    blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    takenPort = (blocker.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => blocker.close(() => resolve())));

  it('refuses to start Kafka on a port that is taken, naming the port and the variable', () => {
    const result = runScript('infra/kafka/kafka.sh', {
      KAFKA_PORT: String(takenPort),
      KAFKA_CONTROLLER_PORT: '0',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`port ${takenPort} for the Kafka broker (KAFKA_PORT) is already in use`);
    expect(result.stderr).not.toMatch(/at .*\(.*:\d+:\d+\)/);
  });

  it('refuses to start ClickHouse on a port that is taken', () => {
    const result = runScript('infra/clickhouse/clickhouse.sh', { CLICKHOUSE_HTTP_PORT: String(takenPort) });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      `port ${takenPort} for ClickHouse HTTP (CLICKHOUSE_HTTP_PORT) is already in use`,
    );
  });

  it('reports a clear error for an unknown component', () => {
    const result = spawnSync('bash', [join(repoRoot, 'infra/bin/stack'), 'up', 'zookeeper'], {
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("unknown component 'zookeeper'");
  });
});
