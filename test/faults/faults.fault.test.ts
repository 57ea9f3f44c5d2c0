// Fault suite: bounded, self-stopping, loopback only. Each case runs a traced fleet while one part of
// the system fails, then checks every 2xx report is in ClickHouse once and no service crashed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectDeliveredOnce, runTracedFleet } from '../support/fleet-run';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline-harness';
import { assertNativeStack, startServer, stopServer } from '../support/stack-control';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('faults', () => {
  let harness: PipelineHarness;
  let seed = 100;

  beforeAll(async () => {
    assertNativeStack();
    harness = await startPipelineHarness();
    await harness.pipeline.ready();
  }, 180_000);
  afterAll(async () => {
    // Whatever happened, leave the shared stack running for the suites after this one.
    await startServer('kafka');
    await startServer('clickhouse');
    await harness?.close();
  }, 180_000);

  async function duringRun(fault: () => Promise<void>) {
    const runSeed = seed++;
    const run = runTracedFleet(harness, { count: 900, rate: 60, seed: runSeed });
    await sleep(3000);
    await fault();
    const summary = await run;
    await harness.pipeline.ready(120_000);
    return { summary, runSeed };
  }

  it('survives a broker restart in the middle of a run: 503s while it is down, nothing accepted is lost', async () => {
    const { summary, runSeed } = await duringRun(async () => {
      await stopServer('kafka');
      await sleep(4000);
      await startServer('kafka');
    });
    expect(summary.accepted).toBeGreaterThan(0);
    expect(summary.unavailable).toBeGreaterThan(0);
    expect(summary.rejected).toBe(0);
    await expectDeliveredOnce(harness, summary, runSeed);
    expect(harness.pipeline.unexpectedExits).toEqual([]);
  });

  it('survives a ClickHouse restart: loaders pause and retry, every accepted report lands once', async () => {
    const { summary, runSeed } = await duringRun(async () => {
      await stopServer('clickhouse');
      await sleep(6000);
      await startServer('clickhouse');
    });
    // ClickHouse is behind Kafka: the gateway keeps accepting everything.
    expect(summary.accepted).toBe(summary.sent);
    await expectDeliveredOnce(harness, summary, runSeed);
    expect(harness.pipeline.unexpectedExits).toEqual([]);
  });

  it('recovers from a loader killed with SIGKILL mid-batch and restarted', async () => {
    const { summary, runSeed } = await duringRun(async () => {
      await harness.pipeline.kill('status-loader', 'SIGKILL');
      await harness.pipeline.kill('telemetry-loader', 'SIGKILL');
      await sleep(2000);
      await harness.pipeline.restart('status-loader');
      await harness.pipeline.restart('telemetry-loader');
    });
    expect(summary.accepted).toBe(summary.sent);
    await expectDeliveredOnce(harness, summary, runSeed);
  });

  it('loses nothing it acknowledged when the gateway is killed with requests in flight', async () => {
    const { summary, runSeed } = await duringRun(async () => {
      await harness.pipeline.kill('gateway', 'SIGKILL');
      await sleep(1000);
      await harness.pipeline.restart('gateway');
    });
    expect(summary.failed + summary.unavailable).toBeGreaterThan(0);
    await expectDeliveredOnce(harness, summary, runSeed);
  });
});
