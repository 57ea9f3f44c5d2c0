// End-to-end benchmark: a steady stream of status reports through every real service, measuring
// freshness (2xx -> row queryable in ClickHouse) and the peak RSS of every process.
//
//   npx tsx test/bench/pipeline.bench.ts [--rate 1000] [--seconds 20]
//
// Needs the stack (infra/bin/stack up, or KAFKA_BROKERS/CLICKHOUSE_URL). Freshness is measured by
// count: the k-th acknowledged report counts as queryable at the first poll where the table holds k
// rows. Rows of different Kafka partitions can land out of order, so single values are approximate;
// percentiles over thousands of reports are what this reports.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { createFleet, createSchedule, runFleet, seededRandom } from '@opa-fleet/fleet-sim';
import { startPipelineHarness } from '../support/pipeline-harness';
import { freshnessOf, watchRowCount } from './freshness';
import { percentile, rssMb, stackPid } from './server-load';

const { values } = parseArgs({
  options: { rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '20' } },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);

const envText = execFileSync('bash', ['infra/bin/stack', 'env'], { encoding: 'utf8' });
process.env.KAFKA_BROKERS ??= /KAFKA_BROKERS=(\S+)/.exec(envText)![1]!;
process.env.CLICKHOUSE_URL ??= /CLICKHOUSE_URL=(\S+)/.exec(envText)![1]!;

const harness = await startPipelineHarness({ services: ['gateway', 'status-loader'] });
try {
  await harness.pipeline.ready();
  const peaks = new Map<string, number>();
  const sampleRss = () => {
    const pids: [string, number | null][] = [
      ...[...harness.pipeline.services.values()].map(
        (s) => [s.name, s.child.pid ?? null] as [string, number | null],
      ),
      ['kafka', stackPid('kafka')],
      ['clickhouse', stackPid('clickhouse')],
      ['bench (fleet-sim)', process.pid],
    ];
    for (const [name, pid] of pids) if (pid) peaks.set(name, Math.max(peaks.get(name) ?? 0, rssMb(pid)));
  };
  const rssTimer = setInterval(sampleRss, 500);

  // Acknowledgement times in order, and the first time the table held k rows.
  // Warm-up: the partition topics exist and the loader consumes them before the clock starts
  // (a new partition topic is discovered within TOPIC_REFRESH_MS, which is not what this measures).
  const warmupPaths = ['/status/', '/status/eu', '/status/us'];
  for (const path of warmupPaths) {
    const response = await fetch(new URL(path, harness.pipeline.gatewayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ labels: { id: `warmup${path}`, version: '1.4.2' } }),
    });
    if (!response.ok) throw new Error(`warm-up report to ${path} answered ${response.status}`);
  }
  const warm = await harness.waitFor<{ n: string }>(
    'SELECT count() AS n FROM status_reports',
    (rows) => Number(rows[0]?.n ?? 0) >= warmupPaths.length,
    60_000,
  );
  const warmupRows = Number(warm[0]?.n ?? 0);

  const acked: number[] = [];
  const watch = watchRowCount(harness.query, 'status_reports', warmupRows, 50);
  const { visibleAt } = watch;

  // Status updates only: every instance's version report first would skew a status-rate benchmark.
  const fleet = createFleet({ size: 2000, seed: 9, partitions: ['', 'eu', 'us'], failingShare: 0.2 });
  const schedule = createSchedule(fleet, seededRandom(10), { dayMs: 3_600_000, changeChance: 0.05 });
  for (let i = 0; i < fleet.length; i++) schedule.next(Date.now()); // consume the start-up version reports unsent
  const started = performance.now();
  const summary = await runFleet(schedule, {
    target: new URL(harness.pipeline.gatewayUrl),
    rate,
    durationMs: seconds * 1000,
    concurrency: 128,
    requestTimeoutMs: 10_000,
    onAccepted: (report) => {
      if (report.kind === 'status') acked.push(performance.now());
    },
  });
  const sendSeconds = (performance.now() - started) / 1000;
  const deadline = performance.now() + 120_000;
  while (visibleAt.length < acked.length && performance.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  await watch.stop();
  clearInterval(rssTimer);
  sampleRss();

  const freshness = freshnessOf(acked, visibleAt);
  console.log(`\npipeline benchmark: ${summary.sent} status reports offered at ${rate}/s for ${seconds} s`);
  console.log(
    `  achieved            ${(summary.accepted / sendSeconds).toFixed(0)} accepted/s (${summary.accepted} accepted, ${summary.sent - summary.accepted} not)`,
  );
  console.log(`  gateway latency     p50 ${summary.p50Ms.toFixed(1)} ms, p99 ${summary.p99Ms.toFixed(1)} ms`);
  console.log(
    `  freshness (2xx -> queryable)  p50 ${percentile(freshness, 50).toFixed(0)} ms, p99 ${percentile(freshness, 99).toFixed(0)} ms, over ${freshness.length} reports`,
  );
  console.log('  peak RSS:');
  for (const [name, mb] of peaks) console.log(`    ${name.padEnd(20)} ${mb.toFixed(0)} MB`);
} finally {
  await harness.close();
}
