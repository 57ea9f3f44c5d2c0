// The whole pipeline as real processes: simulated fleet -> gateway -> Kafka -> loaders -> ClickHouse.
import { join } from 'node:path';
import { bindQueryParams, DEFAULT_QUERIES_DIR, loadAnalystQueries } from '@opa-fleet/clickhouse';
import { createDecisionLog, createFleet, createSchedule, runFleet, seededRandom } from '@opa-fleet/fleet-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PipelineHarness, startPipelineHarness } from '../support/pipeline-harness';

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

describe('pipeline end to end', () => {
  let harness: PipelineHarness;

  beforeAll(async () => {
    harness = await startPipelineHarness({ releases: ['v1.4.1', 'v1.4.2'] });
    await harness.pipeline.ready();
  }, 120_000);
  afterAll(async () => {
    await harness?.close();
  });

  it('lands every accepted report of a simulated fleet in ClickHouse exactly once', async () => {
    const fleet = createFleet({ size: 40, seed: 42, partitions: ['', 'eu', 'us'], failingShare: 0.25 });
    const schedule = createSchedule(fleet, seededRandom(43), {
      dayMs: 5_000,
      changeChance: 0.1,
      trace: true,
    });
    const summary = await runFleet(schedule, {
      target: new URL(harness.pipeline.gatewayUrl),
      rate: 150,
      count: 600,
      concurrency: 16,
      requestTimeoutMs: 10_000,
    });
    expect(summary.accepted).toBe(600);

    const versions = await harness.waitFor<{ seq: number }>(
      `SELECT visitParamExtractUInt(extra_json, 'sim_seq') AS seq FROM version_reports FINAL`,
      (rows) => rows.length >= summary.byKind.version.accepted,
    );
    expect(sorted(versions.map((r) => Number(r.seq)))).toEqual(sorted(summary.acceptedSeqs.version));

    const statuses = await harness.waitFor<{ seq: string }>(
      `SELECT label_values[indexOf(label_names, 'sim_seq')] AS seq FROM status_reports FINAL`,
      (rows) => rows.length >= summary.byKind.status.accepted,
    );
    expect(sorted(statuses.map((r) => Number(r.seq)))).toEqual(sorted(summary.acceptedSeqs.status));

    // The documented per-partition query counts each report once.
    const byPartition = await harness.query<{ partition: string; reports: string }>(
      'SELECT partition, uniqExact(event_id) AS reports FROM status_reports GROUP BY partition ORDER BY partition',
    );
    const expected = Object.entries(summary.acceptedStatusByPath)
      .map(([path, reports]) => ({ partition: path.replace(/^\/status\/?/, ''), reports: String(reports) }))
      .sort((a, b) => a.partition.localeCompare(b.partition));
    expect(byPartition).toEqual(expected);

    // Every status report brought its flattened Prometheus samples along.
    const samples = await harness.query<{ reports: string }>(
      'SELECT uniqExact(event_id) AS reports FROM prometheus_samples',
    );
    expect(Number(samples[0]!.reports)).toBe(summary.byKind.status.accepted);
  });

  it('answers version reports with a release published through the advisor, without a restart', async () => {
    const ask = async () => {
      const response = await fetch(`${harness.pipeline.gatewayUrl}/v1/version`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Open Policy Agent/v1.4.2 (linux, arm64)',
        },
        body: JSON.stringify({ id: 'e2e-release-check', version: 'v1.4.2', heap_usage_bytes: '1000' }),
      });
      expect(response.status).toBe(200);
      return (await response.json()) as {
        latest?: { latest_release: string; download: string; opa_up_to_date: boolean };
      };
    };
    expect((await ask()).latest).toMatchObject({ latest_release: 'v1.4.2', opa_up_to_date: true });

    harness.writeReleases(['v1.4.1', 'v1.4.2', 'v1.5.0']);
    const deadline = Date.now() + 30_000;
    let reply = await ask();
    while (reply.latest?.latest_release !== 'v1.5.0' && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      reply = await ask();
    }
    expect(reply.latest).toEqual({
      latest_release: 'v1.5.0',
      download: 'https://openpolicyagent.org/downloads/v1.5.0/opa_linux_arm64_static',
      release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v1.5.0',
      opa_up_to_date: false,
    });
  });

  it("lands every decision of the simulated fleet's decision logs once, as the documented queries count", async () => {
    const fleet = createFleet({ size: 12, seed: 7, partitions: ['', 'eu'], failingShare: 0.25 });
    const schedule = createSchedule(fleet, seededRandom(8), { dayMs: 60_000, changeChance: 0 });
    const accepted = new Set<string>();
    const started = Math.floor(Date.now() / 1000);
    const summary = await runFleet(schedule, {
      target: new URL(harness.pipeline.gatewayUrl),
      rate: 2,
      durationMs: 3000,
      concurrency: 8,
      requestTimeoutMs: 10_000,
      decisions: createDecisionLog(fleet, seededRandom(9), { eventsPerSecond: 400, uploadIntervalMs: 500 }),
      onAccepted: (request) => {
        if (request.kind === 'decisions') for (const id of request.decisionIds) accepted.add(id);
      },
    });
    expect(summary.decisionEvents.sent).toBeGreaterThanOrEqual(1000);
    // A chunk answered 503 goes again (as OPA sends it again); by the end each was acknowledged once.
    expect(summary.decisionEvents.accepted).toBe(summary.decisionEvents.sent);
    expect(summary.decisionEvents.unacknowledged).toBe(0);
    expect(accepted.size).toBe(summary.decisionEvents.accepted);

    const rows = await harness.waitFor<{ decision_id: string; partition: string }>(
      'SELECT decision_id, partition FROM decisions FINAL',
      (found) => found.length >= accepted.size,
    );
    expect(rows.map((r) => r.decision_id).sort()).toEqual([...accepted].sort());
    // /logs and /logs/eu: each instance's partition.
    expect(new Set(rows.map((r) => r.partition))).toEqual(new Set(['', 'eu']));

    const queries = loadAnalystQueries();
    const range = { from: started - 60, to: started + 3600 };
    const total = (rows: { decisions: string }[]) => rows.reduce((n, r) => n + Number(r.decisions), 0);
    // Exact from the raw table; the documented query reads hourly sketches (exact up to 100 per path and
    // hour, a HyperLogLog estimate above: within 5%).
    const exact = await harness.query<{ decisions: string }>(
      bindQueryParams(
        loadAnalystQueries(join(DEFAULT_QUERIES_DIR, 'raw')).get('decisions-per-path-per-hour')!,
        range,
      ),
    );
    expect(total(exact)).toBe(accepted.size);
    const perHour = await harness.query<{ policy_path: string; decisions: string }>(
      bindQueryParams(queries.get('decisions-per-path-per-hour')!, range),
    );
    expect(Math.abs(total(perHour) - accepted.size)).toBeLessThanOrEqual(0.05 * accepted.size);
    expect(new Set(perHour.map((r) => r.policy_path))).toEqual(
      new Set(['authz/allow', 'httpapi/authz', 'kubernetes/admission/deny']),
    );
    const share = await harness.query<{ allowed: string; denied: string }>(
      bindQueryParams(queries.get('decisions-allow-share-per-path-and-revision')!, range),
    );
    const allowed = share.reduce((n, r) => n + Number(r.allowed), 0);
    const denied = share.reduce((n, r) => n + Number(r.denied), 0);
    expect(allowed).toBeGreaterThan(denied);
    expect(denied).toBeGreaterThan(0);
  });

  it('picks up a status partition first seen after the loaders started', async () => {
    const partition = `late-${Date.now()}`;
    const response = await fetch(`${harness.pipeline.gatewayUrl}/status/${partition}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ labels: { id: 'late-instance', version: '1.4.2' } }),
    });
    expect(response.status).toBe(200);
    const rows = await harness.waitFor<{ instance_id: string }>(
      `SELECT instance_id FROM status_reports WHERE partition = '${partition}'`,
      (found) => found.length > 0,
      60_000,
    );
    expect(rows).toEqual([{ instance_id: 'late-instance' }]);
  });
});
