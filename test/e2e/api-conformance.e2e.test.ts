// The gateway's /openapi.json holds against the gateway itself: schemathesis (PyPI, pinned in
// infra/schemathesis/requirements.txt, venv by infra/bin/schemathesis-env) generates requests from the
// document - valid ones that must be accepted, invalid ones that must be refused, methods the document
// does not list that must get 405 - and checks every answer (status codes, headers, content types,
// bodies) against it. A real gateway against the real Kafka, with the release-advisor publishing a
// release, so the release endpoints answer 200 rather than 503.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline-harness';

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
    const args = [
      'run',
      `${harness.pipeline.gatewayUrl}/openapi.json`,
      '--checks',
      'all',
      // Every check applies: the API has no stateful resources (use_after_free and
      // ensure_resource_availability find no create/delete links and pass trivially) and no auth here.
      '--max-examples',
      '25',
      // Bounded by examples, not --max-time (which makes fuzzing repeat until the time is spent): about
      // 3500 requests in 35 s on two cores; the process timeout below is the backstop.
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
    ];
    let output: string;
    let code = 0;
    try {
      const result = await run(schemathesis, args, { cwd: REPO_ROOT, timeout: 150_000, maxBuffer: 64 << 20 });
      output = result.stdout + result.stderr;
    } catch (err) {
      const failed = err as { code?: number; stdout?: string; stderr?: string };
      code = typeof failed.code === 'number' ? failed.code : -1;
      output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    }
    const summary = /Test cases:\s*\n\s*(\d+) generated, (\d+) (?:passed|found)/.exec(output);
    expect({ code, noIssues: output.includes('No issues found') }, output).toEqual({
      code: 0,
      noIssues: true,
    });
    expect(Number(summary?.[1]), output).toBeGreaterThan(1000);
  }, 170_000);
});
