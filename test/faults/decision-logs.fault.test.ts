// Fault suite for decision logs: bounded, self-stopping, loopback only. Decision-log traffic as OPA sends
// it (a chunk not answered 2xx is sent again) while the broker restarts or the decision-loader is killed
// with SIGKILL; afterwards every decision of a 2xx'd chunk is in ClickHouse exactly once, as counted by
// the documented query, and nothing else of the run is.
import { join } from 'node:path';
import { bindQueryParams, DEFAULT_QUERIES_DIR, loadAnalystQueries } from '@opa-fleet/clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecisionTrafficSummary, runDecisionTraffic } from '../support/decision-traffic';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline-harness';
import { assertNativeStack, startServer, stopServer } from '../support/stack-control';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The documented query reads a sketch (exact up to 100, then uniqHLL12: within 5% at worst, 022's
// notes); its raw counterpart counts exactly, so redelivery must leave that one exactly right.
const PER_PATH = bindQueryParams(loadAnalystQueries().get('decisions-per-path-last-hour')!, {});
const PER_PATH_EXACT = bindQueryParams(
  loadAnalystQueries(join(DEFAULT_QUERIES_DIR, 'raw')).get('decisions-per-path-last-hour')!,
  {},
);

describe('decision logs under faults', () => {
  let harness: PipelineHarness;

  beforeAll(async () => {
    assertNativeStack();
    harness = await startPipelineHarness({ services: ['gateway', 'release-advisor', 'decision-loader'] });
    await harness.pipeline.ready();
  }, 180_000);
  afterAll(async () => {
    // Whatever happened, leave the shared stack running for the suites after this one.
    await startServer('kafka');
    await startServer('clickhouse');
    await harness?.close();
  }, 180_000);

  async function duringTraffic(run: string, fault: () => Promise<void>): Promise<DecisionTrafficSummary> {
    const traffic = runDecisionTraffic({
      target: harness.pipeline.gatewayUrl,
      run,
      chunks: 120,
      eventsPerChunk: 40,
      rate: 10,
      partition: 'eu',
    });
    await sleep(3000);
    await fault();
    const summary = await traffic;
    await harness.pipeline.ready(120_000);
    return summary;
  }

  async function expectEveryDecisionOnce(run: string, summary: DecisionTrafficSummary) {
    const accepted = new Set(summary.accepted);
    const rows = await harness.waitFor<{ decision_id: string; n: string }>(
      `SELECT decision_id, count() AS n FROM decisions FINAL WHERE path = 'fault/${run}' GROUP BY decision_id`,
      (found) => found.length >= accepted.size,
      120_000,
    );
    const seen = new Set(rows.map((r) => r.decision_id));
    expect({
      missing: [...accepted].filter((id) => !seen.has(id)).length,
      duplicated: rows.filter((r) => Number(r.n) > 1).length,
      unexpected: [...seen].filter((id) => !accepted.has(id)).length,
      unacknowledged: summary.unacknowledged.length,
    }).toEqual({ missing: 0, duplicated: 0, unexpected: 0, unacknowledged: 0 });
    // The documented query counts each decision once, repeats of a resent chunk included.
    const decisionsOf = async (query: string) => {
      const perPath = await harness.query<{ policy_path: string; decisions: string }>(query);
      return Number(perPath.find((r) => r.policy_path === `fault/${run}`)?.decisions);
    };
    expect(await decisionsOf(PER_PATH_EXACT)).toBe(accepted.size);
    const estimate = await decisionsOf(PER_PATH);
    expect(Math.abs(estimate - accepted.size) / accepted.size).toBeLessThanOrEqual(0.05);
  }

  it('survives a broker restart mid-traffic: 503s while it is down, every acknowledged decision once', async () => {
    const run = `broker-${Date.now()}`;
    const summary = await duringTraffic(run, async () => {
      await stopServer('kafka');
      await sleep(4000);
      await startServer('kafka');
    });
    expect(summary.retries).toBeGreaterThan(0);
    expect(summary.accepted.length).toBe(120 * 40);
    await expectEveryDecisionOnce(run, summary);
    expect(harness.pipeline.unexpectedExits).toEqual([]);
  });

  it('recovers from the decision-loader killed with SIGKILL mid-batch and restarted', async () => {
    const run = `loader-${Date.now()}`;
    const summary = await duringTraffic(run, async () => {
      await harness.pipeline.kill('decision-loader', 'SIGKILL');
      await sleep(2000);
      await harness.pipeline.restart('decision-loader');
    });
    expect(summary.accepted.length).toBe(120 * 40);
    await expectEveryDecisionOnce(run, summary);
  });
});
