// Gateway throughput against a bare node:http baseline, measured in the same run.
//
//   KAFKA_BROKERS=127.0.0.1:19092 npx tsx test/bench/gateway.bench.ts [--seconds 10] [--connections 50]
//     [--warmup 5] [--rounds 3] [--no-floors] [--open-loop-seconds 15]
//
// Every server runs as its own process on 127.0.0.1; this process is the load generator (autocannon).
//   baseline: node:http that reads the body, JSON.parses it and replies 200 {}.
//   gateway:  services/gateway/src/main.ts, started as infra/bin/start does, with the real idempotent
//             producer (acks=all) to KAFKA_BROKERS.
//   floors (unless --no-floors; stack-floor.ts): what the gateway's stack costs without the gateway's own
//             work: "Fastify" (Fastify + JSON.parse, replies at once) and "Fastify + Kafka" (the same, then
//             the raw body through the gateway's batching producer and settings, reply after the ack).
//             The gateway cannot beat "Fastify + Kafka"; the distance to it is what its own work costs.
// Bodies: status-full.json (to /status) and telemetry-request.json (to /v1/version), each with the
// User-Agent OPA sends. Prints req/s, p50/p99 latency, non-2xx answers and the server's peak RSS, and
// where the CPU went during each run (Linux /proc): the server's CPU per request (all its threads), how busy
// its event-loop thread was, and how idle the machine was. Those tell the two limits apart: an event loop
// near 100% with the machine idle is the server's own ceiling; a machine with no idle left is the
// hardware's (the load generator, Kafka and the server share the cores).
//
// Then the large real body at a FIXED rate, open loop (open-loop.ts): 60% of the baseline's req/s (the
// throughput target) for --open-loop-seconds, to the baseline and to the gateway. The p99 target is "under
// 100 ms at that rate"; a closed loop cannot measure it, since its 50 connections are always waiting
// (Little's law: at 740 req/s their mean latency is 68 ms whatever the server does), so its p99 is
// printed for scale and the open-loop p99 is the verdict.
import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { SERVICE_NODE_FLAGS, serviceNodeArgs } from '../../infra/start/service-command';
import { readFixtureText, realOpaStatusBodies } from '../support/fixtures';
import { runOpenLoop } from './open-loop';
import {
  cpuMeter,
  formatRow,
  loadServer,
  median,
  percent,
  percentile,
  ROW_HEADER,
  type Row,
  repoRoot,
  rssPeaks,
  type Server,
  stackPid,
  startServer as start,
  stopServer as stop,
} from './server-load';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'no-floors': { type: 'boolean', default: false },
    'open-loop-seconds': { type: 'string', default: '15' },
  },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const warmup = Number(values.warmup);
const rounds = Number(values.rounds);
const brokers = process.env.KAFKA_BROKERS;
if (!brokers) {
  console.error('set KAFKA_BROKERS (e.g. 127.0.0.1:19092)');
  process.exit(2);
}
const UA = 'Open Policy Agent/v0.60.0 (linux, amd64)';

const BASELINE = `
const http = require('node:http');
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try { JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { res.writeHead(400).end(); return; }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
}).listen(Number(process.env.PORT), '127.0.0.1');
`;

const load = (server: Server, report: string, path: string, body: string, duration: number) =>
  loadServer(server, {
    report,
    path,
    body,
    headers: { 'content-type': 'application/json', 'user-agent': UA },
    connections,
    duration,
  });

/** What a real OPA v1.22.3 server sends (the real-OPA suite's capture): with `prometheus: true`, ~71 KB... */
const realStatus = (name: string) =>
  realOpaStatusBodies().find((b) => b.opaVersion === 'v1.22.3' && b.name === name)!.text;
const reports: [string, string, string][] = [
  ['status', '/status', readFixtureText('status-full.json')],
  ['version', '/v1/version', readFixtureText('telemetry-request.json')],
  ['real', '/status', realStatus('status-prometheus.json')],
  // ...and without it, ~60 KB: `opa run --server` puts its whole Go registry in every update anyway.
  ['real-sm', '/status', realStatus('status.json')],
];
/**
 * The issue's targets, each against what it is measured against in this run: the large real body against
 * the bare server (req/s, p99, peak RSS); the fixture and the real body without `prometheus: true`
 * against the Fastify + Kafka floor (the restated target: on this machine the floor itself is below the
 * bare-server targets).
 */
const TARGETS: { report: string; against: 'baseline' | 'Fastify + Kafka'; share: number }[] = [
  { report: 'real', against: 'baseline', share: 0.6 },
  { report: 'status', against: 'Fastify + Kafka', share: 0.9 },
  { report: 'real-sm', against: 'Fastify + Kafka', share: 0.9 },
];
const P99_TARGET_MS = 100;
/** The rate of the open-loop p99 verdict: the throughput target's share of the baseline. */
const FIXED_RATE_SHARE = 0.6;
/** The open-loop rates run, as shares of the baseline's req/s: the verdict's and a lighter one for scale. */
const FIXED_RATE_SHARES = [0.4, FIXED_RATE_SHARE];
const RSS_TARGET_MB = 300;

// Every server stays up; the rounds alternate between them (baseline first, per report), so a noisy
// neighbour or CPU throttling hits all alike. Each ratio is the median of the per-round ratios.
const gatewayEnv = {
  // A throughput benchmark: no shedding below its own concurrency (a cheap 503 would count as a request
  // served); test/bench/overload.bench.ts measures the shedding.
  ADMISSION_MIN_IN_FLIGHT: String(connections),
  ADMISSION_MAX_WAIT_MS: '60000',
  KAFKA_BROKERS: brokers,
  TOPIC_PREFIX: `bench-gw-${randomUUID().slice(0, 8)}.`,
  TOPIC_PARTITIONS: '3',
};
const baseline = await start('node:http baseline', ['-e', BASELINE], {}, '/');
// The gateway first: it creates the topics the Kafka floor produces to.
const gateway = await start(
  'gateway + Kafka',
  serviceNodeArgs('gateway', repoRoot), // as infra/bin/start runs it
  gatewayEnv,
  '/readyz',
);
const floorArgs = [...SERVICE_NODE_FLAGS.gateway, '--import', 'tsx', 'test/bench/stack-floor.ts'];
const floors = values['no-floors']
  ? []
  : [
      await start('Fastify', floorArgs, { ...gatewayEnv, FLOOR_KAFKA: '0' }, '/readyz'),
      await start('Fastify + Kafka', floorArgs, { ...gatewayEnv, FLOOR_KAFKA: '1' }, '/readyz'),
    ];
const compared = [...floors, gateway];
// Warm-up: all are long-running servers; what matters is their steady state after the JIT settled.
for (const [report, path, body] of reports) {
  for (const server of [baseline, ...compared]) await load(server, report, path, body, warmup);
}
const rows: Row[] = [];
const key = (server: Server, report: string) => `${server.name}|${report}`;
const ratios = new Map<string, number[]>();
const cpuRatios = new Map<string, number[]>();
const push = (map: Map<string, number[]>, k: string, value: number) =>
  map.set(k, [...(map.get(k) ?? []), value]);
/** Per round and report: the gateway's req/s over the floor's (the restated targets). */
const floorRatios = new Map<string, number[]>();
for (let round = 0; round < rounds; round++) {
  for (const [report, path, body] of reports) {
    const base = await load(baseline, report, path, body, seconds);
    rows.push(base);
    const inRound = new Map<string, Row>();
    for (const server of compared) {
      const row = await load(server, report, path, body, seconds);
      rows.push(row);
      inRound.set(server.name, row);
      push(ratios, key(server, report), row.rps / base.rps);
      push(cpuRatios, key(server, report), base.cpuUsPerReq / row.cpuUsPerReq);
    }
    const floor = inRound.get('Fastify + Kafka');
    if (floor) push(floorRatios, report, inRound.get(gateway.name)!.rps / floor.rps);
  }
}
const fixedRate = await fixedRateRuns();
for (const server of [...compared, baseline]) await stop(server);

console.log(
  `\nautocannon -c ${connections} -d ${seconds}, ${rounds} alternating rounds, on 127.0.0.1 (${reports.map(([name, , body]) => `${name} body ${body.length} B`).join(', ')})\n`,
);
console.log(ROW_HEADER);
for (const r of rows) console.log(formatRow(r));
for (const [report] of reports) {
  for (const server of compared) {
    const each = ratios
      .get(key(server, report))!
      .map((r) => `${(r * 100).toFixed(0)}%`)
      .join(', ');
    console.log(
      `${report}: ${server.name} / baseline = ${percent(median(ratios.get(key(server, report))!))} of req/s ` +
        `(median of ${rounds} rounds: ${each}); baseline CPU per request / its CPU per request = ` +
        `${percent(median(cpuRatios.get(key(server, report))!))}`,
    );
  }
}

console.log('\ntargets (median of the per-round ratios; p99 and RSS: worst gateway round):');
for (const target of TARGETS) {
  const shares =
    target.against === 'baseline' ? ratios.get(key(gateway, target.report)) : floorRatios.get(target.report);
  if (!shares) {
    console.log(`  ${target.report}: gateway / ${target.against}: not measured (--no-floors)`);
    continue;
  }
  const share = median(shares);
  console.log(
    `  ${share >= target.share ? 'PASS' : 'FAIL'} ${target.report}: gateway / ${target.against} = ${percent(share)} of req/s ` +
      `(target ${percent(target.share)}; rounds ${shares.map((r) => percent(r)).join(', ')})`,
  );
  if (target.against === 'baseline') {
    const own = rows.filter((r) => r.server === gateway.name && r.report === target.report);
    const p99 = Math.max(...own.map((r) => r.p99));
    const open = fixedRate.find((f) => f.server === gateway.name && f.share === FIXED_RATE_SHARE);
    const rss = Math.max(
      ...own.map((r) => r.rssMb),
      ...fixedRate.filter((f) => f.server === gateway.name).map((f) => f.rssMb),
    );
    if (open) {
      const ok = open.p99 < P99_TARGET_MS && open.failed === 0;
      console.log(
        `  ${ok ? 'PASS' : 'FAIL'} ${target.report}: gateway p99 ${open.p99.toFixed(0)} ms at ${open.rate.toFixed(0)} req/s ` +
          `(open loop at ${percent(FIXED_RATE_SHARE)} of the baseline's req/s, ${open.failed} not 2xx; target < ${P99_TARGET_MS} ms); ` +
          `closed loop -c ${connections} for scale: p99 ${p99} ms`,
      );
      // Queueing needs idle: with the cores saturated at this rate, no server's p99 stays short there.
      console.log(
        `       at that rate the gateway, Kafka and the load generator took ${open.cpuMsPerRequest.toFixed(2)} ms of CPU per request: ` +
          `${((open.rate * open.cpuMsPerRequest) / 1000).toFixed(2)} of the ${availableParallelism()} cores, the machine ${percent(open.machineIdle)} idle`,
      );
    } else {
      console.log(
        `  ${p99 < P99_TARGET_MS ? 'PASS' : 'FAIL'} ${target.report}: gateway p99 ${p99} ms, closed loop -c ${connections} (target < ${P99_TARGET_MS} ms)`,
      );
    }
    console.log(
      `  ${rss < RSS_TARGET_MB ? 'PASS' : 'FAIL'} ${target.report}: gateway peak RSS ${rss.toFixed(0)} MB (target < ${RSS_TARGET_MB} MB)`,
    );
    const floorShares = ratios.get(`Fastify + Kafka|${target.report}`);
    if (floorShares)
      console.log(
        `       for scale: the Fastify + Kafka floor itself reached ${percent(median(floorShares))} of the baseline on ${target.report}`,
      );
  }
}

/**
 * The large real body at each of FIXED_RATE_SHARES of the baseline's median req/s, open loop, to the
 * baseline (for scale: what the machine itself adds at that rate) and to the gateway; skipped by
 * --open-loop-seconds 0.
 */
async function fixedRateRuns() {
  const openSeconds = Number(values['open-loop-seconds']);
  if (!(openSeconds > 0)) return [];
  const [, path, text] = reports.find(([name]) => name === 'real')!;
  const baseRps = median(
    rows.filter((r) => r.server === baseline.name && r.report === 'real').map((r) => r.rps),
  );
  const results: {
    server: string;
    share: number;
    rate: number;
    p50: number;
    p99: number;
    max: number;
    failed: number;
    rssMb: number;
    /** CPU of the server, Kafka and the load generator per request sent, ms. */
    cpuMsPerRequest: number;
    machineIdle: number;
  }[] = [];
  for (const share of FIXED_RATE_SHARES) {
    const rate = share * baseRps;
    console.log(
      `\nopen loop, real body, ${rate.toFixed(0)} req/s (${percent(share)} of the baseline's ${baseRps.toFixed(0)}) for ${openSeconds} s:`,
    );
    for (const server of [baseline, gateway]) {
      const peak = rssPeaks(() => [[server.name, server.child.pid]]);
      const cpu = cpuMeter([
        [server.name, server.child.pid],
        ['Kafka', stackPid('kafka')],
      ]);
      const outcomes = await runOpenLoop({
        url: server.url + path,
        headers: { 'content-type': 'application/json', 'user-agent': UA },
        bodies: [Buffer.from(text)],
        // A second at the rate first, not counted: the agent opens its sockets.
        phases: [
          { name: 'ramp', rate, seconds: 1 },
          { name: 'fixed rate', rate, seconds: openSeconds },
        ],
      });
      const rssMb = peak.stop().get(server.name) ?? 0;
      const spent = cpu();
      // Per request sent (the ramp's too): what the rate asks of the cores, each process's share named.
      const perRequest = [...spent.seconds].map(([name, s]) => [name, (s * 1000) / outcomes.length] as const);
      const measured = outcomes.filter((o) => o.phase === 1);
      const ok = measured
        .filter((o) => o.status >= 200 && o.status < 300)
        .map((o) => o.latencyMs)
        .sort((a, b) => a - b);
      const lag = measured.map((o) => o.sendLagMs).sort((a, b) => a - b);
      const result = {
        server: server.name,
        share,
        rate,
        p50: percentile(ok, 50),
        p99: percentile(ok, 99),
        max: ok.at(-1) ?? Number.NaN,
        failed: measured.length - ok.length,
        rssMb,
        cpuMsPerRequest: perRequest.reduce((sum, [, ms]) => sum + (Number.isNaN(ms) ? 0 : ms), 0),
        machineIdle: spent.machineIdle,
      };
      results.push(result);
      console.log(
        `  ${server.name}: ${ok.length} 2xx of ${measured.length}, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ` +
          `max ${result.max.toFixed(0)} ms, peak RSS ${rssMb.toFixed(0)} MB; the generator sent p99 ${percentile(lag, 99).toFixed(1)} ms late`,
      );
      console.log(
        `    CPU per request: ${perRequest.map(([name, ms]) => `${name} ${ms.toFixed(2)} ms`).join(', ')}; ` +
          `${((rate * result.cpuMsPerRequest) / 1000).toFixed(2)} of the ${availableParallelism()} cores at this rate, ` +
          `the machine ${percent(spent.machineIdle)} idle`,
      );
    }
  }
  return results;
}
