// The gateway's /openapi.json holds against the gateway itself: schemathesis (PyPI, pinned in
// infra/schemathesis/requirements.txt, venv by infra/bin/schemathesis-env) generates requests from the
// document - valid ones that must be accepted, invalid ones that must be refused, methods the document
// does not list that must get 405 - and checks every answer (status codes, headers, content types,
// bodies) against it. A real gateway against the real Kafka, with the release-advisor publishing a
// release, so the release endpoints answer 200 rather than 503.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type PipelineHarness, startPipelineHarness } from '../support/pipeline-harness';
import { kafkaBrokers } from '../support/stack';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const LATEST = 'v1.22.3';
const run = promisify(execFile);

describe('API conformance (schemathesis against /openapi.json)', () => {
  let harness: PipelineHarness;
  let schemathesis: string;

  beforeAll(async () => {
    const venv = run('bash', [`${REPO_ROOT}infra/bin/schemathesis-env`], {
      cwd: REPO_ROOT,
      timeout: 600_000,
    });
    harness = await startPipelineHarness({
      services: ['gateway', 'release-advisor'],
      releases: [LATEST],
      // Partition names overflow to the default topic: generated names must not create topics.
      env: { gateway: { STATUS_PARTITION_MAX_TOPICS: '0' } },
    });
    schemathesis = (await venv).stdout.trim().split('\n').pop()!;
    await harness.pipeline.ready();
    // The advisor publishes the release; wait until the gateway's view has it.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const r = await fetch(`${harness.pipeline.gatewayUrl}/repos/open-policy-agent/opa/releases/latest`);
      if (r.status === 200) break;
      if (Date.now() > deadline) throw new Error(`the gateway never learned release ${LATEST}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }, 700_000);
  afterAll(async () => {
    await harness?.close();
  });

  it('finds no failure with --checks all', async () => {
    const result = await schemathesisRun(schemathesis, harness.pipeline.gatewayUrl, 25);
    expect(result.verdict, result.output).toEqual({ code: 0, failures: false, errors: false });
    expect(result.output).toContain('No issues found');
    expect(result.generated, result.output).toBeGreaterThan(1000);
  }, 170_000);

  it('finds no failure with auth on and refused partitions (401, 403 and the bearer scheme documented)', async () => {
    // A second gateway on the same topics (so it knows the same release), configured the other way.
    const gateway = await startGateway({
      KAFKA_BROKERS: kafkaBrokers().join(','),
      TOPIC_PREFIX: harness.topicPrefix,
      STATUS_PARTITION_MAX_TOPICS: '0',
      STATUS_PARTITION_OVERFLOW: 'reject',
      STATUS_AUTH_TOKENS: 'conformance-token',
    });
    try {
      // ignored_auth sends requests without the header too, and expects 401 for them.
      // Only the status operations change with this configuration.
      const result = await schemathesisRun(schemathesis, gateway.url, 10, [
        '--include-path-regex',
        '^/status',
        '--header',
        'Authorization: Bearer conformance-token',
      ]);
      // One warning is expected here: with every partition refused, POST /status/{partition} only
      // ever answers 403, which schemathesis reports as "authentication failed" (it is the policy).
      expect(result.verdict, result.output).toEqual({ code: 0, failures: false, errors: false });
    } finally {
      await gateway.stop();
    }
  }, 170_000);
});

/**
 * `schemathesis run <url>/openapi.json --checks all`. Every check applies: the API has no stateful
 * resources (use_after_free and ensure_resource_availability find no create/delete links and pass).
 */
async function schemathesisRun(executable: string, url: string, maxExamples: number, extra: string[] = []) {
  const args = [
    'run',
    `${url}/openapi.json`,
    '--checks',
    'all',
    // Bounded by examples, not --max-time (which makes fuzzing repeat until the time is spent): about
    // 3500 requests in 35 s on two cores at 25; the process timeout below is the backstop.
    '--max-examples',
    String(maxExamples),
    // Deterministic: a failure reproduces with the same seed (`st replay` with the printed case id).
    '--seed',
    '1',
    // One worker: schemathesis' generator describes strategies with Python's ast, which is not safe
    // across threads on Python 3.11 ("AST constructor recursion depth mismatch").
    '--workers',
    '1',
    '--request-timeout',
    '10',
    '--no-color',
    '--generation-database',
    'none',
    ...extra,
  ];
  let output: string;
  let code = 0;
  // A fresh working directory: schemathesis keeps a crash cache in ./.schemathesis, and a run must
  // neither write into the repository nor replay an earlier run's findings.
  const cwd = mkdtempSync(join(tmpdir(), 'schemathesis-'));
  try {
    const result = await run(executable, args, { cwd, timeout: 150_000, maxBuffer: 64 << 20 });
    output = result.stdout + result.stderr;
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    code = typeof failed.code === 'number' ? failed.code : -1;
    output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
  const generated = /Test cases:\s*\n\s*(\d+) generated/.exec(output)?.[1];
  // Failures and errors each get a section in the summary; warnings do not fail the run.
  const verdict = { code, failures: /^Failures:/m.test(output), errors: /^Errors:/m.test(output) };
  return { verdict, generated: Number(generated), output };
}

/** services/gateway/src/main.ts as a process on a free port, once it answers with the release. */
async function startGateway(env: Record<string, string>) {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const errors: string[] = [];
  child.stderr!.on('data', (d: Buffer) => errors.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${url}/repos/open-policy-agent/opa/releases/latest`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { url, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the second gateway never answered with a release:\n${errors.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
