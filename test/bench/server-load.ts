// What the HTTP benchmarks share: servers as child processes on free loopback ports, autocannon runs
// against them with the server's CPU and peak RSS read from Linux /proc, and the small statistics.
//
// CPU per request (all the server's threads), how busy its event-loop thread was and how idle the
// machine was tell two limits apart: an event loop near 100% with the machine idle is the server's own
// ceiling; a machine with no idle left is the hardware's (load generator, Kafka and server share cores).
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { freePort } from '../support/pipeline-harness';
import { CLOCK_TICKS_PER_SECOND, cpuSeconds, cpuTicks, machineTicks } from './proc-cpu';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface Server {
  name: string;
  url: string;
  child: ChildProcess;
}

/** `node <args>` on a free port (PORT, HOST); resolves once `readyPath` answers below 500. */
export async function startServer(
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

export async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** The PID of the stack's Kafka or ClickHouse (infra/bin/stack records it), null when not found. */
export function stackPid(component: 'kafka' | 'clickhouse'): number | null {
  try {
    return Number(readFileSync(`.state/${component}/${component}.pid`, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

/** Peak RSS per named process, sampled every `everyMs` until stop(). */
export function rssPeaks(processes: () => [string, number | null | undefined][], everyMs = 500) {
  const peaks = new Map<string, number>();
  const sample = () => {
    for (const [name, pid] of processes())
      if (pid) peaks.set(name, Math.max(peaks.get(name) ?? 0, rssMb(pid)));
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    peaks,
    stop() {
      clearInterval(timer);
      sample();
      return peaks;
    },
  };
}

export interface Row {
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

export { cpuSeconds, machineTicks };

/** What cpuMeter measured: CPU seconds per named process and of this one, and the machine's idle share. */
export interface CpuSpent {
  /** Each named process (all its threads), then `load generator`: this process. */
  seconds: Map<string, number>;
  machineIdle: number;
}

/**
 * CPU spent from now until the returned function is called, by the named processes (Linux /proc), by this
 * process (the load generator, which shares the cores) and the machine's idle share over all cores.
 */
export function cpuMeter(processes: [string, number | null | undefined][]): () => CpuSpent {
  const at = () => new Map(processes.map(([name, pid]) => [name, pid ? cpuSeconds(pid) : Number.NaN]));
  const start = at();
  const own = process.cpuUsage();
  const [idle0, total0] = machineTicks();
  return () => {
    const seconds = new Map([...at()].map(([name, end]) => [name, end - start.get(name)!]));
    const ownUsage = process.cpuUsage(own);
    seconds.set('load generator', (ownUsage.user + ownUsage.system) / 1e6);
    const [idle1, total1] = machineTicks();
    return { seconds, machineIdle: (idle1 - idle0) / (total1 - total0) };
  };
}

export interface LoadOptions {
  /** What is sent, for the row (`status`, `decisions`). */
  report: string;
  path: string;
  headers: Record<string, string>;
  /** One body for every request... */
  body?: string | Buffer;
  /** ...or these, in turn on each connection. */
  bodies?: readonly Buffer[];
  connections: number;
  duration: number;
}

/** One autocannon run of POSTs against `server`, with the server's CPU and peak RSS meanwhile. */
export async function loadServer(server: Server, options: LoadOptions): Promise<Row> {
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
    url: server.url + options.path,
    method: 'POST',
    body: options.body,
    requests: options.bodies?.map((body) => ({ method: 'POST', body })),
    headers: options.headers,
    connections: options.connections,
    duration: options.duration,
  });
  clearInterval(sampler);
  const elapsedTicks = ((performance.now() - started) / 1000) * CLOCK_TICKS_PER_SECOND;
  const [idle1, total1] = machineTicks();
  const answered = result.requests.total;
  const cpuUsPerReq =
    ((cpuTicks(`/proc/${pid}/stat`) - process0) / CLOCK_TICKS_PER_SECOND / Math.max(answered, 1)) * 1e6;
  return {
    server: server.name,
    report: options.report,
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

export const ROW_HEADER =
  'server               report    req/s     p50 ms  p99 ms  non-2xx  errors  peak RSS MB  CPU µs/req  event loop  machine idle';

export const percent = (share: number) => (Number.isNaN(share) ? 'n/a' : `${(share * 100).toFixed(0)}%`);

export function formatRow(r: Row): string {
  return `${r.server.padEnd(20)} ${r.report.padEnd(8)} ${r.rps.toFixed(0).padStart(7)}  ${String(r.p50).padStart(6)}  ${String(r.p99).padStart(6)}  ${String(r.non2xx).padStart(7)}  ${String(r.errors).padStart(6)}  ${r.rssMb.toFixed(0).padStart(11)}  ${r.cpuUsPerReq.toFixed(0).padStart(10)}  ${percent(r.eventLoopBusy).padStart(10)}  ${percent(r.machineIdle).padStart(12)}`;
}

export const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)]!;

/** The p-th percentile of ascending `sorted` (nearest rank below). */
export const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
