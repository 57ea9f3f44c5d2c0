// A traced fleet run against a harnessed pipeline, and the delivery check every fault test makes:
// each report that got a 2xx is in ClickHouse exactly once; only unanswered ones may be missing.
import { createFleet, createSchedule, type RunSummary, runFleet, seededRandom } from '@opa-fleet/fleet-sim';
import { expect } from 'vitest';
import type { PipelineHarness } from './pipeline-harness';

export async function runTracedFleet(
  harness: PipelineHarness,
  options: { count: number; rate: number; seed: number },
): Promise<RunSummary> {
  const fleet = createFleet({ size: 30, seed: options.seed, partitions: ['', 'eu'], failingShare: 0.2 });
  // Runs share the harness's tables: each numbers its reports from its own range.
  const schedule = createSchedule(fleet, seededRandom(options.seed + 1), {
    firstSeq: firstSeqOf(options.seed),
    dayMs: 10_000,
    changeChance: 0.1,
    trace: true,
  });
  return runFleet(schedule, {
    target: new URL(harness.pipeline.gatewayUrl),
    rate: options.rate,
    count: options.count,
    concurrency: 16,
    requestTimeoutMs: 10_000,
  });
}

export const RUN_RANGE = 1_000_000;
export const firstSeqOf = (seed: number) => seed * RUN_RANGE;

function counts(values: number[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const v of values) map.set(v, (map.get(v) ?? 0) + 1);
  return map;
}

/** Asserts at-least-once for every 2xx and at-most-once in the documented (FINAL) view. */
export async function expectDeliveredOnce(
  harness: PipelineHarness,
  summary: RunSummary,
  seed: number,
  timeoutMs = 120_000,
) {
  const from = firstSeqOf(seed);
  const inRun = `sim_seq >= ${from} AND sim_seq < ${from + RUN_RANGE}`;
  const accepted = {
    version: new Set(summary.acceptedSeqs.version),
    status: new Set(summary.acceptedSeqs.status),
  };
  const unanswered = new Set(summary.unansweredSeqs);
  const checks = [
    {
      kind: 'version' as const,
      sql: `SELECT visitParamExtractUInt(extra_json, 'sim_seq') AS sim_seq FROM version_reports FINAL WHERE ${inRun}`,
    },
    {
      kind: 'status' as const,
      sql: `SELECT toUInt64OrZero(label_values[indexOf(label_names, 'sim_seq')]) AS sim_seq FROM status_reports FINAL WHERE ${inRun}`,
    },
  ];
  for (const { kind, sql } of checks) {
    const rows = await harness.waitFor<{ sim_seq: string | number }>(
      sql,
      (found) => {
        const seen = new Set(found.map((r) => Number(r.sim_seq)));
        return [...accepted[kind]].every((seq) => seen.has(seq));
      },
      timeoutMs,
    );
    const seen = counts(rows.map((r) => Number(r.sim_seq)));
    const missing = [...accepted[kind]].filter((seq) => !seen.has(seq));
    const duplicated = [...seen].filter(([, n]) => n > 1).map(([seq]) => seq);
    // A report answered 5xx (or not at all) may still have reached Kafka; anything else must not appear.
    const unexpected = [...seen.keys()].filter((seq) => !accepted[kind].has(seq) && !unanswered.has(seq));
    expect({ kind, missing, duplicated, unexpected }).toEqual({
      kind,
      missing: [],
      duplicated: [],
      unexpected: [],
    });
  }
}
