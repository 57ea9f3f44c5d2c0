// Report bodies shaped as OPA sends them (see shared/fixtures/opa), for one simulated instance.
import type { PrometheusSpelling, SimulatedBundle, SimulatedInstance } from './fleet';

export interface OutgoingReport {
  kind: 'version' | 'status';
  /** Position in the run; sent as `sim_seq` (a label / an extra key) when tracing, so tests can find each report downstream. */
  seq: number;
  path: string;
  headers: Record<string, string>;
  body: string;
}

const GO_ZERO_TIME = '0001-01-01T00:00:00Z';

/** RFC 3339 with nanoseconds, as Go's time.Time marshals. */
function goTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, (_, millis: string) => `.${millis}123456Z`);
}

/** As OPA prints its version: `v1.4.2`, but a non-release build such as `edge` without the `v`. */
function versionTag(version: string): string {
  return /^\d/.test(version) ? `v${version}` : version;
}

function userAgent(instance: SimulatedInstance): string {
  return `Open Policy Agent/${versionTag(instance.version)} (${instance.os}, ${instance.arch})`;
}

/** The headers OPA sends with a JSON body (status updates, decision-log chunks). */
export function opaHeaders(instance: SimulatedInstance): Record<string, string> {
  return { 'content-type': 'application/json', 'user-agent': userAgent(instance) };
}

export function versionReport(instance: SimulatedInstance, seq = 0, trace = false): OutgoingReport {
  return {
    kind: 'version',
    seq,
    path: '/v1/version',
    headers: opaHeaders(instance),
    body: JSON.stringify({
      id: instance.id,
      version: versionTag(instance.version),
      // OPA sends the heap size as a string.
      heap_usage_bytes: String(20_000_000 + ((instance.reportsSent * 7919) % 50_000_000)),
      ...(trace ? { sim_seq: seq } : {}),
    }),
  };
}

function bundleStatus(bundle: SimulatedBundle, nowMs: number) {
  const base = {
    name: bundle.name,
    last_request: goTime(nowMs - 1000),
    type: 'snapshot',
  };
  switch (bundle.failing) {
    case 'http':
      return {
        ...base,
        last_successful_download: GO_ZERO_TIME,
        last_successful_activation: GO_ZERO_TIME,
        last_successful_request: GO_ZERO_TIME,
        code: 'bundle_error',
        message: 'server replied with Not Found',
        http_code: 404,
      };
    case 'compile':
      return {
        ...base,
        active_revision: `rev-${bundle.revision - 1}`,
        last_successful_download: goTime(nowMs - 1000),
        last_successful_activation: goTime(nowMs - 3_600_000),
        last_successful_request: goTime(nowMs - 1000),
        code: 'bundle_error',
        message: 'error(s) occurred while compiling module(s)',
        errors: [
          {
            code: 'rego_type_error',
            message: 'undefined function data.lib.allow_admin',
            location: { file: 'policies/authz.rego', row: 12, col: 5 },
          },
        ],
      };
    default:
      return {
        ...base,
        active_revision: `rev-${bundle.revision}`,
        last_successful_download: goTime(nowMs - 1000),
        last_successful_activation: goTime(nowMs - 900),
        last_successful_request: goTime(nowMs - 1000),
        size: 18_000 + bundle.revision,
        metrics: {
          timer_bundle_request_ns: 2_000_000 + bundle.revision,
          timer_rego_load_bundles_ns: 7_000_000,
        },
      };
  }
}

interface Family {
  name: string;
  help: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM';
  metrics: {
    labels: [string, string][];
    value?: number;
    buckets?: [number, number][];
    count?: number;
    sum?: number;
  }[];
}

function families(instance: SimulatedInstance): Family[] {
  const n = instance.reportsSent + 1;
  return [
    {
      name: 'http_request_duration_seconds',
      help: 'A histogram of duration for requests.',
      type: 'HISTOGRAM',
      metrics: [
        {
          labels: [
            ['code', '200'],
            ['handler', 'v1/data'],
            ['method', 'post'],
          ],
          buckets: [
            [0.005, 80 * n],
            [0.01, 95 * n],
            [0.1, 99 * n],
            [1, 100 * n],
          ],
          count: 100 * n,
          sum: 0.4 * n,
        },
      ],
    },
    {
      name: 'opa_bundle_request_total',
      help: 'Total number of bundle requests.',
      type: 'COUNTER',
      metrics: [{ labels: [['bundle', 'authz']], value: 3 * n }],
    },
    {
      name: 'go_memstats_heap_alloc_bytes',
      help: 'Number of heap bytes allocated and still in use.',
      type: 'GAUGE',
      metrics: [{ labels: [], value: 40_000_000 + (n % 100) * 10_000 }],
    },
  ];
}

const GO_TYPE = { COUNTER: 0, GAUGE: 1, HISTOGRAM: 4 } as const;

function goJsonFamily(family: Family) {
  return {
    name: family.name,
    help: family.help,
    type: GO_TYPE[family.type],
    metric: family.metrics.map((m) => ({
      ...(m.labels.length > 0 ? { label: m.labels.map(([name, value]) => ({ name, value })) } : {}),
      ...(family.type === 'HISTOGRAM'
        ? {
            histogram: {
              sample_count: m.count,
              sample_sum: m.sum,
              bucket: m.buckets!.map(([upper_bound, cumulative_count]) => ({
                cumulative_count,
                upper_bound,
              })),
            },
          }
        : { [family.type.toLowerCase()]: { value: m.value } }),
    })),
  };
}

function protoJsonFamily(family: Family) {
  return {
    name: family.name,
    help: family.help,
    type: family.type,
    metric: family.metrics.map((m) => ({
      ...(m.labels.length > 0 ? { label: m.labels.map(([name, value]) => ({ name, value })) } : {}),
      ...(family.type === 'HISTOGRAM'
        ? {
            histogram: {
              sampleCount: String(m.count),
              sampleSum: m.sum,
              bucket: m.buckets!.map(([upperBound, count]) => ({
                cumulativeCount: String(count),
                upperBound,
              })),
            },
          }
        : { [family.type.toLowerCase()]: { value: m.value } }),
    })),
  };
}

function prometheus(instance: SimulatedInstance, spelling: PrometheusSpelling): unknown {
  const list = families(instance);
  if (spelling === 'array') return list.map(goJsonFamily);
  if (spelling === 'map') return Object.fromEntries(list.map((f) => [f.name, goJsonFamily(f)]));
  // Current OPA: object keyed by name, protobuf-JSON families, plus OPA's own plain counters.
  return {
    counter_decision_logs_dropped_buffer_size_limit_exceeded: instance.reportsSent % 3,
    ...Object.fromEntries(list.map((f) => [f.name, protoJsonFamily(f)])),
  };
}

export function statusReport(
  instance: SimulatedInstance,
  nowMs: number,
  seq = 0,
  trace = false,
): OutgoingReport {
  const failing = instance.bundles.some((b) => b.failing !== 'no');
  const body = {
    labels: {
      id: instance.id,
      version: instance.version,
      region: instance.region,
      ...(trace ? { sim_seq: String(seq) } : {}),
    },
    bundles: Object.fromEntries(instance.bundles.map((b) => [b.name, bundleStatus(b, nowMs)])),
    plugins: {
      bundle: failing ? { state: 'NOT_READY', message: 'bundle activation failed' } : { state: 'OK' },
      status: { state: 'OK' },
      decision_logs: { state: 'OK' },
    },
    metrics: { prometheus: prometheus(instance, instance.spelling) },
  };
  return {
    kind: 'status',
    seq,
    path: instance.partition === null ? '/status/' : `/status/${encodeURIComponent(instance.partition)}`,
    headers: opaHeaders(instance),
    body: JSON.stringify(body),
  };
}
