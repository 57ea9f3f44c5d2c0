// `npm run bench`: every benchmark, one after another (they share two cores; never in parallel),
// against the native stack (started if needed). Each prints its own figures and the ratio to the
// baseline it measures in the same run.
// `npm run bench -- overload` and `npm run bench -- soak` run only the overload or the 10-minute soak
// benchmark (test/bench/overload.bench.ts; not part of the default run, which they would double);
// `npm run bench -- queries` the fleet-scale query benchmark (test/bench/queries.bench.ts: generates
// 200 M rows, about an hour on a loaded 2-core machine), extra arguments passed on; `npm run bench --
// samples-sort --database bench_fleet` then times the raw-sample queries on prometheus_samples sorted by
// report (migration 020) against a copy sorted by name (test/bench/samples-sort.bench.ts).
import { execFileSync, spawnSync } from 'node:child_process';

const stackEnv = execFileSync('bash', ['infra/bin/stack', 'env'], { encoding: 'utf8' });
const env = {
  ...process.env,
  KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? /KAFKA_BROKERS=(\S+)/.exec(stackEnv)![1]!,
  CLICKHOUSE_URL: process.env.CLICKHOUSE_URL ?? /CLICKHOUSE_URL=(\S+)/.exec(stackEnv)![1]!,
};
if (!process.env.KAFKA_BROKERS) execFileSync('bash', ['infra/bin/stack', 'up'], { stdio: 'inherit' });

const only = process.argv[2];
const longRuns: Record<string, [string, string[]]> = {
  overload: [
    'overload: 2 x capacity open loop for 60 s, then normal load; every 2xx in ClickHouse',
    ['test/bench/overload.bench.ts', 'overload', ...process.argv.slice(3)],
  ],
  queries: [
    'queries: every documented query at fleet scale (100 M version reports, 100 M sample rows) vs the raw tables',
    ['test/bench/queries.bench.ts', ...process.argv.slice(3)],
  ],
  'samples-sort': [
    'samples-sort: the raw-sample queries on prometheus_samples sorted by report (020) vs by name, same rows',
    ['test/bench/samples-sort.bench.ts', ...process.argv.slice(3)],
  ],
  soak: [
    'soak: capacity / 2 for 10 minutes, RSS at minute 2 and 10',
    ['test/bench/overload.bench.ts', 'soak', ...process.argv.slice(3)],
  ],
};
if (only !== undefined && !(only in longRuns)) {
  console.error(
    `unknown benchmark ${only}: run without one for every benchmark, or: ${Object.keys(longRuns).join(', ')}`,
  );
  process.exit(2);
}
const allBenches: [string, string[]][] = [
  ['contracts: normalize+encode+decode vs JSON.parse+stringify', ['test/bench/contracts.bench.ts']],
  ['gateway: req/s and p99 vs bare node:http', ['test/bench/gateway.bench.ts', '--seconds', '10']],
  ['loader: rows/s vs straight insert', ['test/bench/loader.bench.ts']],
  [
    'loader, the real 71 KB OPA status update: reports/s vs the straight RowBinary insert of the same rows',
    ['test/bench/loader.bench.ts', '--shape', 'real', '--rounds', '3'],
  ],
  [
    'storage: bytes on disk per sample and per report, 18.16 vs current ClickHouse (chDB)',
    ['test/bench/loader-storage.bench.ts'],
  ],
  [
    'pipeline: freshness at a steady status rate, peak RSS',
    ['test/bench/pipeline.bench.ts', '--rate', '1000', '--seconds', '20'],
  ],
  [
    'decisions: gateway chunks/s vs bare node:http, decision-loader rows/s vs its writer alone, pipeline',
    ['test/bench/decisions.bench.ts', '--seconds', '10', '--records', '50000', '--pipeline-seconds', '20'],
  ],
];
const benches = only === undefined ? allBenches : [longRuns[only]!];
let failed = 0;
for (const [title, args] of benches) {
  console.log(`\n=== ${title} ===`);
  const result = spawnSync(process.execPath, ['--import', 'tsx', ...args], { stdio: 'inherit', env });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
