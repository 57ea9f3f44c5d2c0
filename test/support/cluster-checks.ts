// What the cluster suite checks after every run: each report that got a 2xx is in the Distributed
// tables exactly once by a plain count() (no FINAL, no uniqExact: exactly-once rows), and the two
// replicas of each shard hold the same rows.
import { createClient } from '@clickhouse/client';
import type { RunSummary } from '@opa-fleet/fleet-sim';
import { expect } from 'vitest';
import { clusterUrls } from './cluster-stack';
import { firstSeqOf, RUN_RANGE } from './fleet-run';
import type { PipelineHarness } from './pipeline-harness';

export async function expectExactlyOnce(
  harness: PipelineHarness,
  summary: RunSummary,
  seed: number,
  timeoutMs = 180_000,
): Promise<void> {
  const from = firstSeqOf(seed);
  const inRun = `sim_seq >= ${from} AND sim_seq < ${from + RUN_RANGE}`;
  const checks = [
    {
      kind: 'version' as const,
      sql: `SELECT sim_seq, count() AS n FROM (SELECT visitParamExtractUInt(extra_json, 'sim_seq') AS sim_seq FROM version_reports) WHERE ${inRun} GROUP BY sim_seq`,
    },
    {
      kind: 'status' as const,
      sql: `SELECT sim_seq, count() AS n FROM (SELECT toUInt64OrZero(label_values[indexOf(label_names, 'sim_seq')]) AS sim_seq FROM status_reports) WHERE ${inRun} GROUP BY sim_seq`,
    },
  ];
  const unanswered = new Set(summary.unansweredSeqs);
  for (const { kind, sql } of checks) {
    const accepted = new Set(summary.acceptedSeqs[kind]);
    const rows = await harness.waitFor<{ sim_seq: string | number; n: string | number }>(
      sql,
      (found) => {
        const seen = new Set(found.map((r) => Number(r.sim_seq)));
        return [...accepted].every((seq) => seen.has(seq));
      },
      timeoutMs,
    );
    const seen = new Map(rows.map((r) => [Number(r.sim_seq), Number(r.n)]));
    const missing = [...accepted].filter((seq) => !seen.has(seq));
    const duplicated = [...seen].filter(([, n]) => n > 1).map(([seq, n]) => `${seq}x${n}`);
    const unexpected = [...seen.keys()].filter((seq) => !accepted.has(seq) && !unanswered.has(seq));
    expect({ kind, missing, duplicated, unexpected }).toEqual({
      kind,
      missing: [],
      duplicated: [],
      unexpected: [],
    });
  }
  await expectReplicasEqual(harness.database, timeoutMs);
}

const LOCAL_TABLES = ['version_reports', 'status_reports', 'bundles', 'plugins', 'prometheus_samples'];

/** Per shard: both replicas' local tables hold the same rows (waits for replication to catch up). */
export async function expectReplicasEqual(database: string, timeoutMs = 180_000): Promise<void> {
  const urls = clusterUrls();
  const shards = [urls.slice(0, 2), urls.slice(2, 4)];
  const digest = async (url: string, table: string) => {
    const client = createClient({ url, database });
    try {
      const result = await client.query({
        query: `SELECT count() AS n, sum(cityHash64(*)) AS h FROM ${table}_local`,
        format: 'JSONEachRow',
      });
      const [row] = await result.json<{ n: string; h: string }>();
      return `${row!.n}/${row!.h}`;
    } finally {
      await client.close();
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (const table of LOCAL_TABLES) {
    for (const [a, b] of shards) {
      let pair: string[] = [];
      for (;;) {
        pair = await Promise.all([digest(a!, table), digest(b!, table)]).catch((err) => [String(err), '']);
        if (pair[0] === pair[1] || Date.now() > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
      expect({ table, shard: [a, b], replica1: pair[0] }).toEqual({
        table,
        shard: [a, b],
        replica1: pair[1],
      });
    }
  }
}
