// Overload and soak of one gateway, open loop, on loopback, with the status-loader writing to ClickHouse.
//
//   npx tsx test/bench/overload.bench.ts overload [--body real|fixture] [--overload-seconds 60]
//     [--normal-seconds 30] [--capacity <req/s>] [--drain-seconds 600]
//   npx tsx test/bench/overload.bench.ts soak [--body real|fixture] [--minutes 10] [--capacity <req/s>]
//   (or `npm run bench -- overload` / `npm run bench -- soak`; needs the stack, as the other benchmarks)
//
// 1. Capacity: autocannon -c 8 (closed loop, few enough to stay under the target latency) for 10 s against the gateway; its 2xx req/s is the capacity C
//    (`--capacity` skips this). The bodies are the real OPA v1.22.3 status update with `prometheus: true`
//    (`--body real`, 71 KB) or `status-full.json` (`--body fixture`, 4.5 KB), 200 instances (labels.id).
// 2. overload: 2 × C offered for 60 s (open loop, test/bench/open-loop.ts), then C / 2 for 30 s;
//    soak: C / 2 for 10 minutes.
// 3. Every report answered 2xx is looked up in ClickHouse by its event_id once the loader has drained.
// Prints, per phase: offered and answered rates, 2xx / 503 (with Retry-After) / other / timeouts, latency of
// the accepted requests; the gateway's peak RSS (soak: at minute 2 and at the end, and the growth); how
// long after the load dropped the gateway served every request with a 2xx in under 1 s again; and
// each target with PASS or FAIL. Stops by itself; exit code 1 when a target failed.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { readFixtureText, realOpaStatusBodies } from '../support/fixtures';
import { startPipelineHarness } from '../support/pipeline-harness';
import { gaugeOf, quantileMs, type Scrape, scrape } from './gateway-metrics';
import { type LoadPhase, type Outcome, runOpenLoop } from './open-loop';
import { loadServer, percentile, rssMb, stackPid } from './server-load';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    body: { type: 'string', default: 'real' },
    capacity: { type: 'string' },
    'overload-seconds': { type: 'string', default: '60' },
    'normal-seconds': { type: 'string', default: '30' },
    minutes: { type: 'string', default: '10' },
    'drain-seconds': { type: 'string', default: '600' },
  },
});
const mode = positionals[0] ?? 'overload';
if (mode !== 'overload' && mode !== 'soak') {
  console.error('usage: overload.bench.ts overload|soak [options]');
  process.exit(2);
}

const envText = execFileSync('bash', ['infra/bin/stack', 'env'], { encoding: 'utf8' });
process.env.KAFKA_BROKERS ??= /KAFKA_BROKERS=(\S+)/.exec(envText)![1]!;
process.env.CLICKHOUSE_URL ??= /CLICKHOUSE_URL=(\S+)/.exec(envText)![1]!;

const UA = 'Open Policy Agent/v1.22.3 (linux, amd64)';
const HEADERS = { 'content-type': 'application/json', 'user-agent': UA };
const INSTANCES = 200;
const ACCEPTED_P99_TARGET_MS = 1000;
const RSS_TARGET_MB = 300;
const RECOVERY_TARGET_S = 5;
const SOAK_GROWTH_TARGET = 0.1;
const CAPACITY_CONNECTIONS = 8;

/** The chosen body once per instance: the same report from INSTANCES OPAs (their own Kafka keys). */
function instanceBodies(kind: string): Buffer[] {
  const text =
    kind === 'fixture'
      ? readFixtureText('status-full.json')
      : realOpaStatusBodies().find((b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json')!
          .text;
  const parsed = JSON.parse(text) as { labels: { id: string } };
  const id = parsed.labels.id;
  return Array.from({ length: INSTANCES }, (_, i) =>
    Buffer.from(text.replace(JSON.stringify(id), JSON.stringify(`bench-overload-${i}`))),
  );
}

const harness = await startPipelineHarness({ services: ['gateway', 'status-loader'] });
let failed = false;
try {
  await harness.pipeline.ready();
  const gateway = harness.pipeline.services.get('gateway')!;
  const loader = harness.pipeline.services.get('status-loader')!;
  const statusUrl = new URL('/status', harness.pipeline.gatewayUrl).toString();
  const bodies = instanceBodies(values.body!);

  // The tables exist and the loader consumes before anything is measured.
  const warm = await fetch(statusUrl, { method: 'POST', headers: HEADERS, body: bodies[0] });
  if (!warm.ok) throw new Error(`warm-up report answered ${warm.status}`);
  await harness.waitFor<{ n: string }>(
    'SELECT count() AS n FROM status_reports',
    (rows) => Number(rows[0]?.n ?? 0) >= 1,
    60_000,
  );

  let capacity = Number(values.capacity ?? 0);
  if (!capacity) {
    const server = { name: 'gateway', url: harness.pipeline.gatewayUrl, child: gateway.child };
    // A few bodies only: autocannon keeps a copy of every request per connection.
    const options = {
      report: values.body!,
      path: '/status',
      headers: HEADERS,
      bodies: bodies.slice(0, 5),
      // Few enough that the answers stay under the admission's target latency (so its limit is not cut
      // below them), enough to keep the gateway busy: a closed loop that is shed measures the shedding
      // (each 503 comes back at once and is sent again), not the capacity.
      connections: CAPACITY_CONNECTIONS,
    };
    await loadServer(server, { ...options, duration: 5 }); // JIT warm-up
    const row = await loadServer(server, { ...options, duration: 10 });
    // 2xx only: a 503 is cheap, and counting it would overstate what the gateway can take on.
    capacity = row.rps - row.non2xx / 10;
    console.log(
      `capacity (autocannon -c ${CAPACITY_CONNECTIONS}, 10 s, ${values.body} body): ${row.rps.toFixed(0)} req/s, p99 ${row.p99} ms, non-2xx ${row.non2xx}`,
    );
  }
  const phases: LoadPhase[] =
    mode === 'overload'
      ? [
          {
            name: 'overload (2 x capacity)',
            rate: 2 * capacity,
            seconds: Number(values['overload-seconds']),
          },
          { name: 'normal (capacity / 2)', rate: capacity / 2, seconds: Number(values['normal-seconds']) },
        ]
      : [{ name: 'soak (capacity / 2)', rate: capacity / 2, seconds: Number(values.minutes) * 60 }];

  // RSS of every process once a second, by run time.
  const rss: { atMs: number; gateway: number }[] = [];
  const peaks = new Map<string, number>();
  const started = performance.now();
  const sampler = setInterval(() => {
    const pids: [string, number | null | undefined][] = [
      ['gateway', gateway.child.pid],
      ['status-loader', loader.child.pid],
      ['kafka', stackPid('kafka')],
      ['clickhouse', stackPid('clickhouse')],
      ['load generator', process.pid],
    ];
    for (const [name, pid] of pids) if (pid) peaks.set(name, Math.max(peaks.get(name) ?? 0, rssMb(pid)));
    rss.push({ atMs: performance.now() - started, gateway: rssMb(gateway.child.pid!) });
  }, 1000);
  // The gateway's own view once a second (gateway-metrics.ts): where the accepted requests waited.
  const views: { atMs: number; scrape: Scrape }[] = [];
  const metricsUrl = new URL('/metrics', harness.pipeline.gatewayUrl).toString();
  let scraping = true;
  const scraper = (async () => {
    while (scraping) {
      const next = performance.now() + 1000;
      const got = await scrape(metricsUrl);
      if (got) views.push({ atMs: performance.now() - started, scrape: got });
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  })();
  const overflowsBefore = listenOverflows();
  let lastPrinted = 0;
  const outcomes = await runOpenLoop({
    url: statusUrl,
    headers: HEADERS,
    bodies,
    phases,
    onSecond: (so, elapsed) => {
      if (elapsed - lastPrinted < 10_000) return;
      lastPrinted = elapsed;
      const ok = so.filter((o) => o.status >= 200 && o.status < 300).length;
      console.log(
        `  ${(elapsed / 1000).toFixed(0)} s: ${so.length} answered, ${ok} 2xx, gateway RSS ${rss.at(-1)?.gateway.toFixed(0)} MB`,
      );
    },
  });
  clearInterval(sampler);
  scraping = false;
  await scraper;

  console.log(
    `\n${mode}: one gateway, ${values.body} body (${bodies[0]!.length} B), capacity C = ${capacity.toFixed(0)} req/s, open loop on 127.0.0.1`,
  );
  let phaseStartMs = 0;
  for (let p = 0; p < phases.length; p++) {
    const phase = phases[p]!;
    const of = outcomes.filter((o) => o.phase === p);
    const accepted = of.filter((o) => o.status >= 200 && o.status < 300);
    const shed = of.filter((o) => o.status === 503);
    const latencies = accepted.map((o) => o.latencyMs).sort((a, b) => a - b);
    const p99 = percentile(latencies, 99);
    console.log(
      `  ${phase.name}: offered ${phase.rate.toFixed(0)}/s for ${phase.seconds} s = ${of.length}; ` +
        `2xx ${accepted.length} (${(accepted.length / phase.seconds).toFixed(0)}/s), 503 ${shed.length} ` +
        `(${shed.filter((o) => o.retryAfter !== null).length} with Retry-After), ` +
        `other ${of.filter((o) => o.status !== 0 && o.status !== 503 && (o.status < 200 || o.status >= 300)).length}, ` +
        `timeouts/errors ${of.filter((o) => o.status === 0).length}; accepted latency p50 ` +
        `${percentile(latencies, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms; ` +
        `the generator sent p99 ${percentile(
          of.map((o) => o.sendLagMs).sort((a, b) => a - b),
          99,
        ).toFixed(0)} ms late`,
    );
    timeline(of, phaseStartMs, phase.seconds);
    whereTheyWaited(of, phaseStartMs, phase.seconds);
    verdict(`accepted p99 under ${ACCEPTED_P99_TARGET_MS} ms (${phase.name})`, p99 < ACCEPTED_P99_TARGET_MS);
    if (p > 0) recovery(of, phaseStartMs);
    phaseStartMs += phase.seconds * 1000;
  }
  console.log(
    `  accept queue overflows on this machine during the run (TcpExtListenOverflows, every process's): ${listenOverflows() - overflowsBefore}`,
  );
  const gatewayPeak = peaks.get('gateway') ?? 0;
  console.log(`  peak RSS: ${[...peaks].map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`).join(', ')}`);
  verdict(`gateway peak RSS under ${RSS_TARGET_MB} MB`, gatewayPeak < RSS_TARGET_MB);
  if (mode === 'soak') soakGrowth();
  const shedLines = readFileSync(join(harness.logDir, 'gateway.log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('shedding load')).length;
  console.log(`  gateway log: ${shedLines} 'shedding load' lines (rate-limited: one per 10 s of shedding)`);
  if (mode === 'soak') {
    const errors = outcomes.filter((o) => o.status < 200 || o.status >= 300).length;
    verdict(`no error during the soak (${errors} non-2xx or timeouts)`, errors === 0);
  }
  await checkStored(outcomes);

  /**
   * Per 5 s slice (10 % of a long phase): the accepted p99 the client saw against the gateway's own p99 from
   * onRequest to the answer, Kafka's acknowledgement p99, the event loop's worst lag, the admission limit
   * and the most requests in flight, and the deepest accept queue (connections the kernel holds that the
   * gateway has not taken: Node 20 takes one per event-loop iteration, accept-queue.ts): the difference
   * between the first two is time spent before the gateway saw the request.
   */
  function whereTheyWaited(of: Outcome[], startMs: number, seconds: number) {
    const slice = Math.max(5, Math.ceil(seconds / 10 / 5) * 5);
    console.log(
      `    per ${slice} s: client p99 | of it until connected p99 | until sent p99 | sent to answer p99 | gateway p99 (onRequest to answer) | Kafka ack p99 | event-loop lag max | limit | in flight max | accept queue max`,
    );
    for (let from = 0; from < seconds; from += slice) {
      const lo = startMs + from * 1000;
      const hi = lo + slice * 1000;
      const accepted = of.filter(
        (o) => o.scheduledMs >= lo && o.scheduledMs < hi && o.status >= 200 && o.status < 300,
      );
      const ok = accepted.map((o) => o.latencyMs).sort((a, b) => a - b);
      const connecting = accepted.map((o) => o.connectedMs).sort((a, b) => a - b);
      const sent = accepted.map((o) => o.sentMs).sort((a, b) => a - b);
      const answering = accepted.map((o) => o.headersMs - o.sentMs).sort((a, b) => a - b);
      const inside = views.filter((v) => v.atMs >= lo && v.atMs < hi + 1000);
      const first = views.filter((v) => v.atMs < lo).at(-1) ?? inside[0];
      const last = inside.at(-1);
      const gauge = (name: string, pick: (a: number[]) => number) => {
        const got = inside.map((v) => gaugeOf(v.scrape, name)).filter((x): x is number => x !== undefined);
        return got.length === 0 ? NaN : pick(got);
      };
      const ms = (x: number | null) => (x === null || Number.isNaN(x) ? 'n/a' : `${x.toFixed(0)} ms`);
      const server =
        first && last
          ? quantileMs(
              first.scrape,
              last.scrape,
              'gateway_http_request_duration_seconds',
              'route="/status"',
              0.99,
            )
          : null;
      const ack =
        first && last
          ? quantileMs(first.scrape, last.scrape, 'gateway_produce_duration_seconds', 'kind="status"', 0.99)
          : null;
      const lag = gauge('nodejs_eventloop_lag_max_seconds', (a) => Math.max(...a)) * 1000;
      const limit = gauge('gateway_admission_limit', (a) => a.reduce((x, y) => x + y, 0) / a.length);
      const inFlight = gauge('gateway_in_flight_requests', (a) => Math.max(...a));
      const acceptQueue = gauge('gateway_accept_queue_connections', (a) => Math.max(...a));
      console.log(
        `      ${String(from).padStart(3)}s: ${ms(percentile(ok, 99))} | ${ms(percentile(connecting, 99))} | ${ms(percentile(sent, 99))} | ${ms(percentile(answering, 99))} | <= ${ms(server)} | <= ${ms(ack)} | ${ms(lag)} | ${limit.toFixed(0)} | ${inFlight} | ${acceptQueue}`,
      );
    }
  }

  function soakGrowth() {
    const at = (ms: number) =>
      rss.reduce((best, s) => (Math.abs(s.atMs - ms) < Math.abs(best.atMs - ms) ? s : best));
    const minute2 = at(120_000).gateway;
    const end = rss.at(-1)!.gateway;
    const growth = (end - minute2) / minute2;
    console.log(
      `  gateway RSS at minute 2: ${minute2.toFixed(0)} MB, at the end (${(rss.at(-1)!.atMs / 60_000).toFixed(1)} min): ${end.toFixed(0)} MB, growth ${(growth * 100).toFixed(1)}%`,
    );
    verdict(
      `RSS growth from minute 2 to the end under ${SOAK_GROWTH_TARGET * 100}%`,
      growth < SOAK_GROWTH_TARGET,
    );
  }
} finally {
  await harness.close();
}
process.exit(failed ? 1 : 0);

/** The kernel's count of connections dropped because a listen queue was full (machine-wide). */
function listenOverflows(): number {
  const [names, values] = readFileSync('/proc/net/netstat', 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('TcpExt:'));
  const at = names?.split(' ').indexOf('ListenOverflows') ?? -1;
  return at < 0 ? 0 : Number(values?.split(' ')[at] ?? 0);
}

/** Accepted p99 and 503s per slice of the phase (10 s, longer for long phases): where the latency went. */
function timeline(of: Outcome[], startMs: number, seconds: number) {
  const parts: string[] = [];
  const slice = Math.max(10, Math.ceil(seconds / 12 / 10) * 10);
  for (let from = 0; from < seconds; from += slice) {
    const sent = of.filter(
      (o) => o.scheduledMs >= startMs + from * 1000 && o.scheduledMs < startMs + (from + slice) * 1000,
    );
    const ok = sent
      .filter((o) => o.status >= 200 && o.status < 300)
      .map((o) => o.latencyMs)
      .sort((a, b) => a - b);
    parts.push(
      `${from}s: ${ok.length} 2xx p99 ${percentile(ok, 99).toFixed(0)} ms, ${sent.filter((o) => o.status === 503).length} 503`,
    );
  }
  console.log(`    per ${slice} s: ${parts.join(' | ')}`);
}

function verdict(what: string, ok: boolean) {
  if (!ok) failed = true;
  console.log(`    ${ok ? 'PASS' : 'FAIL'} ${what}`);
}

/** Seconds after the load dropped until every later request was a 2xx answered in under 1 s (1 s windows). */
function recovery(after: Outcome[], dropMs: number) {
  const windows = new Map<number, boolean>();
  for (const o of after) {
    const w = Math.floor((o.scheduledMs - dropMs) / 1000);
    const good = o.status >= 200 && o.status < 300 && o.latencyMs < ACCEPTED_P99_TARGET_MS;
    windows.set(w, (windows.get(w) ?? true) && good);
  }
  const last = Math.max(...windows.keys());
  let recoveredAt = last + 1;
  for (let w = last; w >= 0 && windows.get(w) !== false; w--) recoveredAt = w;
  const never = recoveredAt > last;
  console.log(
    never
      ? '  after the load dropped: never back to normal service'
      : `  after the load dropped: every request 2xx in under 1 s from second ${recoveredAt} on`,
  );
  verdict(
    `normal service within ${RECOVERY_TARGET_S} s after the load dropped`,
    !never && recoveredAt < RECOVERY_TARGET_S,
  );
}

/** Every report answered 2xx has its row in status_reports (by event_id) once the loader drained. */
async function checkStored(outcomes: Outcome[]) {
  const acked = outcomes
    .filter((o) => o.status >= 200 && o.status < 300 && o.body !== null)
    .map((o) => (JSON.parse(o.body!) as { event_id: string }).event_id);
  const drainStarted = performance.now();
  const deadline = drainStarted + Number(values['drain-seconds']) * 1000;
  let missing = acked.length;
  for (;;) {
    const stored = new Set(
      (await harness.query<{ event_id: string }>('SELECT DISTINCT event_id FROM status_reports')).map(
        (r) => r.event_id,
      ),
    );
    missing = acked.filter((id) => !stored.has(id)).length;
    if (missing === 0 || performance.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 5000));
  }
  console.log(
    `  ClickHouse: ${acked.length - missing} of the ${acked.length} reports answered 2xx are in status_reports ` +
      `(${missing} missing) after the loader drained for ${((performance.now() - drainStarted) / 1000).toFixed(0)} s`,
  );
  verdict('every 2xx-answered report reached ClickHouse', missing === 0);
}
