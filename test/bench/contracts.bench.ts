// Contracts benchmark: normalize+encode, decode and the whole normalize+encode+decode of a status update,
// against JSON.parse+JSON.stringify of the same body, measured in the same run (ratios are what to quote:
// the machine is shared and noisy). Bodies: the status-full.json fixture, a generated ~6 KB report with
// 15 metric families, and what a real OPA v1.22.3 server sent (~70 KB, ~150 families; the real-OPA
// suite's capture), also written with status schema v2 for the size.
// Last, the real body's whole work back to back against the same work after an idle spell (CPU per report).
// Run: npx tsx test/bench/contracts.bench.ts [--rounds 7] [--ms 300]

import {
  type NormalizeContext,
  normalizeStatus,
  statusCodec,
  statusCodecWriting,
} from '../../packages/contracts/src/index';
import { readFixtureText, realOpaStatusBodies } from '../support/fixtures';
import { threadCpuSeconds } from './proc-cpu';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const ROUNDS = option('rounds', 7);
const ROUND_MS = option('ms', 300);

const ctx: NormalizeContext = {
  eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
  receivedAt: 1_763_892_902_123_456,
  gatewayId: 'gateway-7f9c',
  userAgent: 'Open Policy Agent/v1.4.2 (linux, amd64)',
  partition: null,
};

/**
 * A deterministic ~6 KB status update with 15 metric families, shaped like what OPA's Prometheus registry
 * exports (Go client help texts, OPA's default HTTP duration buckets), three bundles and four plugins,
 * in compact JSON as OPA sends it.
 */
function generatedReport(): string {
  const gauge = (name: string, help: string, value: number, label?: [string, string]) => ({
    name,
    help,
    type: 1,
    metric: [{ ...(label ? { label: [{ name: label[0], value: label[1] }] } : {}), gauge: { value } }],
  });
  const counter = (name: string, help: string, value: number) => ({
    name,
    help,
    type: 0,
    metric: [{ counter: { value } }],
  });
  const buckets = [1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3, 0.01, 0.1, 1];
  const series = (handler: string, method: string, code: string, n: number) => ({
    label: [
      { name: 'code', value: code },
      { name: 'handler', value: handler },
      { name: 'method', value: method },
    ],
    histogram: {
      sample_count: n,
      sample_sum: n * 0.00031,
      bucket: buckets.map((le, i) => ({
        cumulative_count: Math.round((n * (i + 1)) / buckets.length),
        upper_bound: le,
      })),
    },
  });
  const families = [
    {
      name: 'go_gc_duration_seconds',
      help: 'A summary of the pause duration of garbage collection cycles.',
      type: 2,
      metric: [
        {
          summary: {
            sample_count: 1873,
            sample_sum: 0.41765,
            quantile: [0, 0.25, 0.5, 0.75, 1].map((q) => ({ quantile: q, value: 0.0000412 + q * 0.0003 })),
          },
        },
      ],
    },
    gauge('go_goroutines', 'Number of goroutines that currently exist.', 42),
    gauge('go_info', 'Information about the Go environment.', 1, ['version', 'go1.22.5']),
    gauge('go_memstats_alloc_bytes', 'Number of bytes allocated and still in use.', 48_234_496),
    counter(
      'go_memstats_alloc_bytes_total',
      'Total number of bytes allocated, even if freed.',
      9_123_456_789,
    ),
    gauge('go_memstats_heap_objects', 'Number of allocated objects.', 312_004),
    gauge('go_memstats_sys_bytes', 'Number of bytes obtained from system.', 79_134_728),
    gauge('go_threads', 'Number of OS threads created.', 14),
    {
      name: 'http_request_duration_seconds',
      help: 'A histogram of duration for requests.',
      type: 4,
      metric: [
        series('v1/data', 'post', '200', 182_733),
        series('v1/data', 'post', '500', 12),
        series('health', 'get', '200', 8_640),
      ],
    },
    {
      name: 'opa_bundle_request_total',
      help: 'Total number of bundle requests.',
      type: 0,
      metric: ['authz', 'rbac', 'data'].map((bundle, i) => ({
        label: [
          { name: 'bundle', value: bundle },
          { name: 'code', value: '200' },
        ],
        counter: { value: 3120 + i },
      })),
    },
    counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', 1234.56),
    gauge('process_max_fds', 'Maximum number of open file descriptors.', 1_048_576),
    gauge('process_open_fds', 'Number of open file descriptors.', 23),
    gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', 98_140_160),
    gauge(
      'process_start_time_seconds',
      'Start time of the process since unix epoch in seconds.',
      1_763_880_000.27,
    ),
  ];
  const bundle = (name: string, revision: string) => ({
    name,
    active_revision: revision,
    last_successful_download: '2026-11-23T10:15:02.123456789Z',
    last_successful_activation: '2026-11-23T10:15:02.201934112Z',
    last_request: '2026-11-23T10:15:01.998877665Z',
    last_successful_request: '2026-11-23T10:15:01.998877665Z',
    type: 'snapshot',
    size: 18234,
    metrics: {
      timer_bundle_request_ns: 2087441,
      timer_rego_data_parse_ns: 301122,
      timer_rego_module_compile_ns: 5123004,
    },
  });
  return JSON.stringify({
    labels: {
      id: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      version: '1.4.2',
      region: 'eu-west-1',
      cluster: 'prod-a',
    },
    bundles: {
      authz: bundle('authz', 'b1946ac92492d2347c6235b4d2611184'),
      rbac: bundle('rbac', '7d865e959b2466918c9863afca942d0f'),
      data: bundle('data', 'a3f1c9e2'),
    },
    plugins: {
      bundle: { state: 'OK' },
      decision_logs: { state: 'OK' },
      discovery: { state: 'OK' },
      status: { state: 'OK' },
    },
    metrics: { prometheus: families },
  });
}

/** ops/s of `fn` over about `ms`. */
function rate(fn: () => number, ms: number): number {
  let sink = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let ops = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) sink += fn();
    ops += 50;
    now = process.hrtime.bigint();
  }
  if (sink === 0.5) console.log('unreachable'); // keeps the work observable
  return ops / (Number(now - start) / 1e9);
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

interface Row {
  body: string;
  step: string;
  'ops/s': number;
  'MB/s': number;
  'vs JSON': string;
}

/**
 * The steps are measured in turns within each round (so a noisy neighbour hits them alike); each ratio is
 * the median of the per-round ratios, each rate the median of the rounds.
 */
function benchBody(label: string, text: string): { rows: Row[]; size: string } {
  const parsed = JSON.parse(text) as unknown;
  const compactLength = Buffer.byteLength(JSON.stringify(parsed));
  const encoded = statusCodec.encode(normalizeStatus(parsed, ctx));
  // What the report itself takes, without what the gateway adds (event id, gateway id, User-Agent).
  const reportOnly = statusCodec.encode(
    normalizeStatus(parsed, { eventId: '', receivedAt: 0, gatewayId: '' }),
  ).length;
  const bytes = Buffer.byteLength(text);
  const steps: [string, () => number][] = [
    ['JSON.parse+JSON.stringify', () => JSON.stringify(JSON.parse(text)).length],
    ['normalize+encode', () => statusCodec.encode(normalizeStatus(parsed, ctx)).length],
    ['decode', () => statusCodec.decode(encoded).bundles.length],
    [
      'normalize+encode+decode',
      () => statusCodec.decode(statusCodec.encode(normalizeStatus(parsed, ctx))).bundles.length,
    ],
  ];
  for (const [, fn] of steps) rate(fn, ROUND_MS); // warm-up: let the JIT settle
  const rates: number[][] = steps.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    steps.forEach(([, fn], i) => {
      rates[i]!.push(rate(fn, ROUND_MS));
    });
  }
  const rows = steps.map(([step], i): Row => {
    const ops = median(rates[i]!);
    const ratio = median(rates[i]!.map((r, round) => r / rates[0]![round]!));
    return {
      body: label,
      step,
      'ops/s': Math.round(ops),
      'MB/s': Number(((ops * bytes) / 1e6).toFixed(1)),
      'vs JSON': `${ratio.toFixed(2)}x`,
    };
  });
  const pct = (n: number) => `${((100 * encoded.length) / n).toFixed(1)}%`;
  return {
    rows,
    size:
      `${label}: JSON body ${bytes} B (${compactLength} B compact); record ${encoded.length} B = ${pct(bytes)} of the body, ` +
      `${pct(compactLength)} of compact JSON; without the gateway's envelope ${reportOnly} B = ` +
      `${((100 * reportOnly) / bytes).toFixed(1)}% of the body`,
  };
}

const REAL = realOpaStatusBodies().find(
  (b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json',
)!;
const bodies: [string, string][] = [
  ['status-full.json', readFixtureText('status-full.json')],
  ['generated 15 families', generatedReport()],
  ['real OPA v1.22.3', REAL.text],
];
const results = bodies.map(([label, text]) => benchBody(label, text));
const v2Record = statusCodecWriting(2).encode(normalizeStatus(JSON.parse(REAL.text), ctx)).length;
console.log(
  `contracts bench: ${ROUNDS} rounds of ${ROUND_MS} ms per step, medians (MB/s = JSON body bytes per second)`,
);
console.table(results.flatMap((r) => r.rows));
for (const r of results) console.log(r.size);
console.log(`real OPA v1.22.3 written with status schema v2: record ${v2Record} B`);

// The real body's whole work (JSON.parse + normalize + encode) with the cores idle between reports, as a
// fixed rate below saturation leaves them, against the same work back to back: CPU per report of the
// thread doing it (Linux /proc/thread-self, 10 ms ticks over rounds of hundreds of reports) and of the
// whole process (GC helper threads included), in alternating rounds. On this shared virtual machine what
// a report's work warmed (caches, predictors) does not survive an idle spell, so a gateway at a fixed rate
// pays more CPU per report than a saturated one (gateway README, "Throughput").
const GAP_MS = 2;
async function cpuPerReport(gapMs: number, ms: number): Promise<{ thread: number; process: number }> {
  const work = () => statusCodec.encode(normalizeStatus(JSON.parse(REAL.text), ctx)).length;
  const processBefore = process.cpuUsage();
  const threadBefore = threadCpuSeconds();
  const deadline = performance.now() + ms;
  let reports = 0;
  while (performance.now() < deadline) {
    work();
    reports += 1;
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  const used = process.cpuUsage(processBefore);
  return {
    thread: ((threadCpuSeconds() - threadBefore) * 1e6) / reports,
    process: (used.user + used.system) / reports,
  };
}
if (process.platform === 'linux') {
  const gapRounds: { thread: number; process: number }[][] = [];
  for (let round = 0; round < ROUNDS; round++)
    gapRounds.push([await cpuPerReport(0, ROUND_MS * 3), await cpuPerReport(GAP_MS, ROUND_MS * 3)]);
  const line = (what: 'thread' | 'process') => {
    const back = median(gapRounds.map(([b]) => b![what]));
    const gap = median(gapRounds.map(([, g]) => g![what]));
    const ratio = median(gapRounds.map(([b, g]) => g![what] / b![what]));
    return `${what} ${back.toFixed(0)} µs back to back, ${gap.toFixed(0)} µs after ${GAP_MS} ms idle (${ratio.toFixed(2)}x)`;
  };
  console.log(
    `real OPA v1.22.3, parse+normalize+encode, CPU per report (median of ${ROUNDS} rounds): ${line('thread')}; ${line('process')}`,
  );
}
