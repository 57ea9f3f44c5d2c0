// Gateway throughput against a bare node:http baseline, measured in the same run.
//
//   KAFKA_BROKERS=127.0.0.1:19092 npx tsx test/bench/gateway.bench.ts [--seconds 10] [--connections 50]
//     [--warmup 5] [--rounds 3] [--no-floors]
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
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SERVICE_NODE_FLAGS, serviceNodeArgs } from '../../infra/start/service-command';
import { readFixtureText, realOpaStatusBodies } from '../support/fixtures';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '3' },
    'no-floors': { type: 'boolean', default: false },
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
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
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

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function start(
  name: string,
  args: string[],
  env: Record<string, string>,
  readyPath: string,
): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(url + readyPath).then(
      (r) => r.status < 500,
      () => false,
    );
    if (ok) return { name, url, child };
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${name} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

interface Row {
  server: string;
  report: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  rssMb: number;
  /** CPU of the whole server process per answered request, microseconds. */
  cpuUsPerReq: number;
  /** Share of the run the server's main (event-loop) thread was on a CPU. */
  eventLoopBusy: number;
  /** Share of all cores' time that was idle during the run. */
  machineIdle: number;
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux

/** utime + stime in clock ticks, from /proc/<pid>/stat or /proc/<pid>/task/<tid>/stat. */
function cpuTicks(statFile: string): number {
  try {
    const fields = readFileSync(statFile, 'utf8').split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return Number.NaN;
  }
}

/** [idle, total] ticks over all cores, from /proc/stat. */
function machineTicks(): [number, number] {
  try {
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    const idle = cpu[3]! + (cpu[4] ?? 0); // idle + iowait
    return [idle, cpu.reduce((a, b) => a + b, 0)];
  } catch {
    return [Number.NaN, Number.NaN];
  }
}

async function load(
  server: Server,
  report: string,
  path: string,
  body: string,
  duration: number,
): Promise<Row> {
  const pid = server.child.pid!;
  let peak = rssMb(pid);
  const sampler = setInterval(() => {
    peak = Math.max(peak, rssMb(pid));
  }, 250);
  const process0 = cpuTicks(`/proc/${pid}/stat`);
  const main0 = cpuTicks(`/proc/${pid}/task/${pid}/stat`);
  const [idle0, total0] = machineTicks();
  const started = performance.now();
  const result = await autocannon({
    url: server.url + path,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'user-agent': UA },
    connections,
    duration,
  });
  clearInterval(sampler);
  const elapsedTicks = ((performance.now() - started) / 1000) * CLOCK_TICKS_PER_SECOND;
  const [idle1, total1] = machineTicks();
  const answered = result.requests.total;
  const cpuUsPerReq =
    ((cpuTicks(`/proc/${pid}/stat`) - process0) / CLOCK_TICKS_PER_SECOND / Math.max(answered, 1)) * 1e6;
  return {
    server: server.name,
    report,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    rssMb: peak,
    cpuUsPerReq,
    eventLoopBusy: (cpuTicks(`/proc/${pid}/task/${pid}/stat`) - main0) / elapsedTicks,
    machineIdle: (idle1 - idle0) / (total1 - total0),
  };
}

/** What a real OPA v1.22.3 server sends with `prometheus: true` (the real-OPA suite's capture, ~70 KB). */
const REAL_STATUS = realOpaStatusBodies().find(
  (b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json',
)!.text;
const reports: [string, string, string][] = [
  ['status', '/status', readFixtureText('status-full.json')],
  ['version', '/v1/version', readFixtureText('telemetry-request.json')],
  ['real', '/status', REAL_STATUS],
];

// Every server stays up; the rounds alternate between them (baseline first, per report), so a noisy
// neighbour or CPU throttling hits all alike. Each ratio is the median of the per-round ratios.
const gatewayEnv = {
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
for (let round = 0; round < rounds; round++) {
  for (const [report, path, body] of reports) {
    const base = await load(baseline, report, path, body, seconds);
    rows.push(base);
    for (const server of compared) {
      const row = await load(server, report, path, body, seconds);
      rows.push(row);
      push(ratios, key(server, report), row.rps / base.rps);
      push(cpuRatios, key(server, report), base.cpuUsPerReq / row.cpuUsPerReq);
    }
  }
}
for (const server of [...compared, baseline]) await stop(server);

console.log(
  `\nautocannon -c ${connections} -d ${seconds}, ${rounds} alternating rounds, on 127.0.0.1 (${reports.map(([name, , body]) => `${name} body ${body.length} B`).join(', ')})\n`,
);
console.log(
  'server               report    req/s     p50 ms  p99 ms  non-2xx  errors  peak RSS MB  CPU µs/req  event loop  machine idle',
);
const percent = (share: number) => (Number.isNaN(share) ? 'n/a' : `${(share * 100).toFixed(0)}%`);
for (const r of rows) {
  console.log(
    `${r.server.padEnd(20)} ${r.report.padEnd(8)} ${r.rps.toFixed(0).padStart(7)}  ${String(r.p50).padStart(6)}  ${String(r.p99).padStart(6)}  ${String(r.non2xx).padStart(7)}  ${String(r.errors).padStart(6)}  ${r.rssMb.toFixed(0).padStart(11)}  ${r.cpuUsPerReq.toFixed(0).padStart(10)}  ${percent(r.eventLoopBusy).padStart(10)}  ${percent(r.machineIdle).padStart(12)}`,
  );
}
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;
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
