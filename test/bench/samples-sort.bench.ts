// What prometheus_samples' sort key costs the queries that read it: the table as migration 020 sorts it,
// by report (instance_id, received_at, event_id, seq), against a copy sorted as before 020, by sample
// name first (name, instance_id, received_at, event_id, seq), same rows, same server, same run, each
// merged to one part per partition. Times the raw p99 query (queries/raw, the one documented query that
// reads prometheus_samples) and the ad hoc questions an analyst asks of the raw samples.
//
// Uses a database queries.bench.ts generated (it is left as it was, less the copy, dropped at the end):
//   npx tsx test/bench/queries.bench.ts --database bench_q --samples 8000000 ...   (then Ctrl-C or let it end)
//   npx tsx test/bench/samples-sort.bench.ts --database bench_q [--runs 5]
//
// Needs CLICKHOUSE_URL (default http://127.0.0.1:18123).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClickHouseClient, DEFAULT_QUERIES_DIR } from '@opa-fleet/clickhouse';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string', default: 'bench_fleet' },
    runs: { type: 'string', default: '5' },
  },
});
const database = args.database;
if (!/^bench_[A-Za-z0-9_]+$/.test(database)) throw new Error('--database must start with bench_');
const RUNS = Number(args.runs);
const url = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:18123';
const client = createClickHouseClient({ url, database, requestTimeoutMs: 3600_000 });
const BY_REPORT = 'prometheus_samples';
const BY_NAME = 'prometheus_samples_by_name_copy';
const load = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

async function rows<T>(query: string): Promise<T[]> {
  return (await client.query({ query, format: 'JSONEachRow' })).json<T>();
}

/** The queries, written against `prometheus_samples`; the copy's runs read BY_NAME instead. */
function questions(instance: string, metric: string): { name: string; sql: string }[] {
  const rawP99 = readFileSync(
    join(DEFAULT_QUERIES_DIR, 'raw', 'p99-request-duration-per-instance.sql'),
    'utf8',
  )
    .split('\n')
    .filter((l) => !/^\s*--/.test(l))
    .join('\n');
  return [
    { name: 'raw p99 request duration per instance (queries/raw)', sql: rawP99 },
    {
      name: `one metric across the fleet, latest value per instance (${metric})`,
      sql: `SELECT instance_id, argMax(value, received_at_us) AS v FROM prometheus_samples WHERE name = '${metric}' GROUP BY instance_id`,
    },
    {
      name: 'one metric across the fleet, last 30 minutes, per minute',
      sql:
        `SELECT toStartOfMinute(received_at) AS m, avg(value) AS v FROM prometheus_samples WHERE name = '${metric}' ` +
        `AND received_at >= (SELECT max(received_at) FROM prometheus_samples) - 1800 GROUP BY m ORDER BY m`,
    },
    {
      name: "one instance's latest report, every sample",
      sql:
        `SELECT name, label_names, label_values, value FROM prometheus_samples WHERE instance_id = '${instance}' ` +
        `AND received_at_us = (SELECT max(received_at_us) FROM prometheus_samples WHERE instance_id = '${instance}')`,
    },
    {
      name: "one instance's metric over time",
      sql: `SELECT received_at, value FROM prometheus_samples WHERE instance_id = '${instance}' AND name = '${metric}' ORDER BY received_at`,
    },
  ];
}

async function timed(sql: string): Promise<{ ms: number; rows: number }> {
  const t0 = performance.now();
  const text = await (await client.query({ query: sql, format: 'JSONEachRow' })).text();
  return { ms: performance.now() - t0, rows: text.length === 0 ? 0 : text.trimEnd().split('\n').length };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const [key] = await rows<{ sorting_key: string }>(
    `SELECT sorting_key FROM system.tables WHERE database = '${database}' AND name = '${BY_REPORT}'`,
  );
  if (!key?.sorting_key.startsWith('instance_id'))
    throw new Error(
      `${database}.${BY_REPORT} is not sorted by report (${key?.sorting_key}): migrate it first`,
    );
  await client.command({ query: `DROP TABLE IF EXISTS ${BY_NAME}` });
  await client.command({
    query:
      `CREATE TABLE ${BY_NAME} AS ${BY_REPORT} ENGINE = ReplacingMergeTree() PARTITION BY toYYYYMM(received_at) ` +
      'ORDER BY (name, instance_id, received_at, event_id, seq)',
  });
  try {
    let t0 = performance.now();
    await client.command({ query: `INSERT INTO ${BY_NAME} SELECT * FROM ${BY_REPORT}` });
    console.log(`copied in ${((performance.now() - t0) / 1000).toFixed(1)} s (load average ${load()})`);
    for (const t of [BY_REPORT, BY_NAME]) {
      t0 = performance.now();
      await client.command({ query: `OPTIMIZE TABLE ${t} FINAL` });
      console.log(`OPTIMIZE ${t} FINAL in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    const sizes = await rows<{ table: string; rows: string; parts: string; bytes: string }>(
      `SELECT table, sum(rows) AS rows, count() AS parts, sum(bytes_on_disk) AS bytes FROM system.parts ` +
        `WHERE database = '${database}' AND active AND table IN ('${BY_REPORT}', '${BY_NAME}') GROUP BY table ORDER BY table`,
    );
    for (const s of sizes)
      console.log(
        `  ${s.table.padEnd(34)} ${Number(s.rows).toLocaleString()} rows, ${s.parts} parts, ` +
          `${(Number(s.bytes) / 1e6).toFixed(1)} MB, ${(Number(s.bytes) / Number(s.rows)).toFixed(2)} B per sample`,
      );
    const [{ id: instance } = { id: '' }] = await rows<{ id: string }>(
      `SELECT instance_id AS id FROM ${BY_REPORT} LIMIT 1`,
    );
    const metric = 'go_goroutines';
    console.log(`\n${RUNS} runs each, alternating; median (load average ${load()}):`);
    for (const q of questions(instance, metric)) {
      const ms: Record<string, number[]> = { [BY_REPORT]: [], [BY_NAME]: [] };
      const count: Record<string, number> = {};
      for (let i = 0; i < RUNS; i++) {
        for (const t of [BY_REPORT, BY_NAME]) {
          const r = await timed(q.sql.replaceAll('prometheus_samples', t));
          ms[t]!.push(r.ms);
          count[t] = r.rows;
        }
      }
      if (count[BY_REPORT] !== count[BY_NAME])
        throw new Error(`${q.name}: ${count[BY_REPORT]} rows sorted by report, ${count[BY_NAME]} by name`);
      const a = median(ms[BY_REPORT]!);
      const b = median(ms[BY_NAME]!);
      console.log(
        `  ${q.name.padEnd(72)} by report ${(a / 1000).toFixed(3)} s, by name ${(b / 1000).toFixed(3)} s ` +
          `(${(a / b).toFixed(2)}x), ${count[BY_REPORT]} rows`,
      );
    }
    console.log(`(load average ${load()})`);
  } finally {
    await client.command({ query: `DROP TABLE IF EXISTS ${BY_NAME}` });
    await client.close();
  }
}

await main();
