// The cluster suite (vitest project "cluster", on infra/bin/stack --cluster: three Kafka brokers with
// replication factor 3, four ClickHouse 18.16 servers in two shards of two replicas on ZooKeeper).
// Bounded, loopback only, self-stopping. Each case runs a traced fleet through every service while one
// part fails, then checks that every 2xx'd report is in the Distributed tables exactly once by a plain
// count() (exactly-once rows: the loaders' batches survive a crash and replicated block deduplication
// drops a re-insert), that both replicas of each shard hold the same rows, and that no service needed a
// manual restart.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Pipeline, startPipeline } from '../../infra/start/pipeline';
import { expectExactlyOnce } from '../support/cluster-checks';
import { assertClusterStack, killServer, leaderOf, startCluster } from '../support/cluster-stack';
import { readFixtureText } from '../support/fixtures';
import { runTracedFleet } from '../support/fleet-run';
import { freePort, type PipelineHarness, startPipelineHarness } from '../support/pipeline-harness';
import { clickhouseUrl, kafkaBrokers } from '../support/stack';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cluster: exactly-once rows through faults', () => {
  let harness: PipelineHarness;
  let seed = 300;

  beforeAll(async () => {
    assertClusterStack();
    harness = await startPipelineHarness();
    await harness.pipeline.ready(240_000);
    await warmUp();
  }, 300_000);
  afterAll(async () => {
    // Whatever happened, leave every server of the cluster running for the cases after.
    await startCluster('kafka');
    await startCluster('clickhouse');
    await harness?.close();
  }, 300_000);

  /**
   * One report to each path the fleet uses, until each is answered 2xx: on a cluster just started the
   * partition topic is created (replication factor 3) on first use and the producer's first sends can
   * pass its timeout. The fleet runs count only their own sequence numbers, so these reports count nowhere.
   */
  async function warmUp(): Promise<void> {
    const bodies = {
      '/status': readFixtureText('status-full.json'),
      '/status/eu': readFixtureText('status-full.json'),
      '/v1/version': readFixtureText('telemetry-request.json'),
    };
    const deadline = Date.now() + 120_000;
    for (const [path, body] of Object.entries(bodies)) {
      for (;;) {
        const res = await fetch(new URL(path, harness.pipeline.gatewayUrl), {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Open Policy Agent/1.4.2 (linux, amd64)',
          },
          body,
        }).catch(() => null);
        if (res?.ok) break;
        if (Date.now() > deadline)
          throw new Error(`warm-up: ${path} not answered 2xx in 120 s (${res?.status})`);
        await sleep(1000);
      }
    }
  }

  async function duringRun(fault: () => Promise<void>, count = 600) {
    const runSeed = seed++;
    const run = runTracedFleet(harness, { count, rate: 40, seed: runSeed });
    await sleep(4000);
    await fault();
    const summary = await run;
    await harness.pipeline.ready(240_000);
    return { summary, runSeed };
  }

  /** A second pipeline of single services in the harness's groups, topics and database. */
  async function extraLoader(
    env: Record<string, string> = {},
  ): Promise<{ pipeline: Pipeline; logDir: string }> {
    const logDir = mkdtempSync(join(tmpdir(), 'opa-cluster-extra-'));
    const port = await freePort();
    const pipeline = startPipeline({
      kafkaBrokers: kafkaBrokers().join(','),
      clickhouseUrl: clickhouseUrl(),
      database: harness.database,
      topicPrefix: harness.topicPrefix,
      groupPrefix: harness.topicPrefix, // the harness's group prefix is its topic prefix
      ports: {
        gateway: 0,
        'release-advisor': 0,
        'telemetry-loader': 0,
        'decision-loader': 0,
        'status-loader': port,
        'fleet-console': 0,
      },
      logDir,
      services: ['status-loader'],
      env: { 'status-loader': env },
    });
    await pipeline.ready(240_000);
    return { pipeline, logDir };
  }

  it('e2e: a fleet run with nothing failing lands exactly once by plain count, replicas equal', async () => {
    const runSeed = seed++;
    const summary = await runTracedFleet(harness, { count: 600, rate: 40, seed: runSeed });
    expect(summary.accepted).toBe(summary.sent);
    await expectExactlyOnce(harness, summary, runSeed);
    expect(harness.pipeline.unexpectedExits).toEqual([]);
  });

  it('survives SIGKILL of the broker leading a busy partition, and its restart', async () => {
    const { summary, runSeed } = await duringRun(async () => {
      const leader = await leaderOf(`${harness.topicPrefix}status`, 0);
      await killServer(`kafka-${leader}`);
      await sleep(5000);
      await startCluster('kafka');
    });
    // While the partitions move to a new leader the gateway answers 503 (OPA sends those again).
    expect(summary.accepted).toBeGreaterThan(0);
    expect(summary.rejected).toBe(0);
    await expectExactlyOnce(harness, summary, runSeed);
    expect(harness.pipeline.unexpectedExits).toEqual([]);
  });

  it('survives SIGKILL of one ClickHouse replica, which catches up after its restart', async () => {
    const { summary, runSeed } = await duringRun(async () => {
      await killServer('clickhouse-4'); // shard 2, replica 2: inserts go to replica 1, then replicate
      await sleep(6000);
      await startCluster('clickhouse');
    });
    expect(summary.accepted).toBe(summary.sent);
    await expectExactlyOnce(harness, summary, runSeed);
    expect(harness.pipeline.unexpectedExits).toEqual([]);
  });

  it('two status-loaders in one group: one killed mid-run, the other takes its partitions', async () => {
    const second = await extraLoader();
    try {
      const { summary, runSeed } = await duringRun(async () => {
        await harness.pipeline.kill('status-loader', 'SIGKILL');
        await sleep(5000);
        await harness.pipeline.restart('status-loader');
      });
      expect(summary.accepted).toBe(summary.sent);
      await expectExactlyOnce(harness, summary, runSeed);
      expect(second.pipeline.unexpectedExits).toEqual([]);
    } finally {
      await second.pipeline.stop();
    }
  });

  it('a status-loader killed between insert and commit re-inserts the same blocks, which are dropped', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'opa-kill-')), 'killed');
    await harness.pipeline.kill('status-loader', 'SIGTERM'); // this case's loader takes its place
    const crashing = await extraLoader({
      LOADER_TEST_KILL_AFTER_WRITES: '12',
      LOADER_TEST_KILL_MARKER: marker,
    });
    try {
      const runSeed = seed++;
      const summary = await runTracedFleet(harness, { count: 600, rate: 40, seed: runSeed });
      for (let i = 0; i < 120 && !existsSync(marker); i++) await sleep(500);
      expect(existsSync(marker)).toBe(true);
      await crashing.pipeline.ready(240_000);
      expect(summary.accepted).toBe(summary.sent);
      await expectExactlyOnce(harness, summary, runSeed);
      // Killed once at the chosen point, restarted by its supervisor, and the restarted loader rebuilt
      // the batch it had inserted from the end recorded in the commit metadata.
      expect(crashing.pipeline.unexpectedExits.map((e) => e.signal)).toEqual(['SIGKILL']);
      const log = readFileSync(join(crashing.logDir, 'status-loader.log'), 'utf8');
      expect(log).toContain('rebuilding batches at their recorded ends');
    } finally {
      await crashing.pipeline.stop();
      await harness.pipeline.restart('status-loader');
    }
  });
});
