// A fleet's data, generated inside ClickHouse (INSERT ... SELECT FROM numbers(): nothing crosses the
// network), for the query benchmark. Pure: builds the statements; queries.bench.ts runs them.
//
// Shape (defaults; every figure a parameter):
// - version reports: 100 M over 30 days from 1 M instances (OPA before 1.7 reports about every
//   7 hours here: 100 per instance), a real version mix (weights below, 30% of instances upgrade half-
//   way through) and platform mix, heap 20-200 MB; written instance by instance, as a loader's batch of
//   one Kafka partition holds many reports of the same instances;
// - Prometheus samples: 100 M, the flattened families of a real OPA v0.70.0 status update
//   (test/fixtures/opa-real/v0.70.0/status-prometheus.json: 148 families, 332 samples) plus two
//   http_request_duration_seconds series (default buckets, cumulative counts growing over time): 360
//   samples per status report, so 278 k status reports (with their status_reports row and 2 bundles
//   each) from 100 k instances with Prometheus on, over the last 3 hours; 2% of those instances have a
//   failing bundle; partitions '' 60%, prod-eu 20%, prod-us 15%, staging 5%;
// - decisions: 10 M over the last 2 hours from the same 100 k instances (4 policy paths and ad-hoc
//   queries, 1% errors); version checks (OPA 1.7+): 10 M over 30 days; 3 releases, latest v1.22.3.
import { readFileSync } from 'node:fs';
import { normalizeStatus } from '@opa-fleet/contracts';
import { flattenStatus } from '@opa-fleet/flatten';

export interface FleetShape {
  versionReports: number;
  instances: number;
  days: number;
  samples: number;
  prometheusInstances: number;
  statusHours: number;
  decisions: number;
  decisionHours: number;
  versionChecks: number;
  /** Epoch seconds the generated time ranges end at. */
  end: number;
}

export const DEFAULT_SHAPE: Omit<FleetShape, 'end'> = {
  versionReports: 100_000_000,
  instances: 1_000_000,
  days: 30,
  samples: 100_000_000,
  prometheusInstances: 100_000,
  statusHours: 3,
  decisions: 10_000_000,
  decisionHours: 2,
  versionChecks: 10_000_000,
};

/** OPA versions that send version reports (before 1.7), by share of instances in percent. */
export const VERSION_MIX: [string, number][] = [
  ['v0.34.2', 2],
  ['v0.42.2', 2],
  ['v0.47.4', 3],
  ['v0.50.2', 3],
  ['v0.53.1', 3],
  ['v0.55.0', 4],
  ['v0.57.0', 4],
  ['v0.58.0', 5],
  ['v0.60.0', 6],
  ['v0.61.0', 5],
  ['v0.63.0', 5],
  ['v0.64.1', 5],
  ['v0.65.0', 5],
  ['v0.66.0', 4],
  ['v0.67.1', 5],
  ['v0.68.0', 6],
  ['v0.69.0', 6],
  ['v0.70.0', 8],
  ['v1.0.1', 4],
  ['v1.1.0', 3],
  ['v1.2.0', 3],
  ['v1.4.2', 3],
  ['v1.5.1', 3],
  ['v1.6.0', 2],
  ['edge', 1],
];

/** (os, arch) by share in percent: what OPA's User-Agent names. */
export const PLATFORM_MIX: [string, string, number][] = [
  ['linux', 'amd64', 70],
  ['linux', 'arm64', 20],
  ['darwin', 'arm64', 5],
  ['darwin', 'amd64', 2],
  ['windows', 'amd64', 3],
];

export const PARTITION_MIX: [string, number][] = [
  ['', 60],
  ['prod-eu', 20],
  ['prod-us', 15],
  ['staging', 5],
];

export const POLICY_PATHS: [string | null, number][] = [
  ['authz/allow', 55],
  ['authz/deny', 20],
  ['rbac/allow', 15],
  ['kubernetes/admission/deny', 5],
  [null, 5],
];

export const LATEST_RELEASE = 'v1.22.3';

/** Prometheus' default histogram buckets, with the share of requests at or under each (cumulative). */
const HTTP_BUCKETS: [string, number][] = [
  ['0.005', 0.62],
  ['0.01', 0.8],
  ['0.025', 0.9],
  ['0.05', 0.95],
  ['0.1', 0.98],
  ['0.25', 0.99],
  ['0.5', 0.995],
  ['1', 0.999],
  ['2.5', 1],
  ['5', 1],
  ['10', 1],
  ['+Inf', 1],
];

export interface SampleTemplate {
  family: string;
  type: string;
  name: string;
  labelNames: string[];
  labelValues: string[];
  /** For histogram counts: the share of the request count (cumulative); -1 for any other sample. */
  share: number;
}

/** The samples of one status report: a real v0.70.0 update, flattened, plus request durations. */
export function sampleTemplates(fixture: string): SampleTemplate[] {
  const body = JSON.parse(readFileSync(fixture, 'utf8'));
  const report = normalizeStatus(body, { eventId: 't', receivedAt: 0, gatewayId: 'g', partition: null });
  const real: SampleTemplate[] = flattenStatus(report).prometheus_samples.map((s) => ({
    family: s.family,
    type: s.type,
    name: s.name,
    labelNames: s.label_names,
    labelValues: s.label_values,
    share: -1,
  }));
  const http: SampleTemplate[] = [];
  for (const [handler, method] of [
    ['v1/data', 'POST'],
    ['health', 'GET'],
  ] as const) {
    const labels = { labelNames: ['code', 'handler', 'method'], labelValues: ['200', handler, method] };
    const family = { family: 'http_request_duration_seconds', type: 'HISTOGRAM' };
    for (const [le, share] of HTTP_BUCKETS) {
      http.push({
        ...family,
        name: 'http_request_duration_seconds_bucket',
        labelNames: [...labels.labelNames, 'le'],
        labelValues: [...labels.labelValues, le],
        share,
      });
    }
    http.push({ ...family, name: 'http_request_duration_seconds_sum', ...labels, share: 0.004 });
    http.push({ ...family, name: 'http_request_duration_seconds_count', ...labels, share: 1 });
  }
  return [...real, ...http];
}

const str = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
const strArray = (a: string[]) => `[${a.map(str).join(', ')}]`;

/**
 * The SQL of the 1-based index of the item of a weighted list a hash picks (`hash % 1000` permille):
 * a lookup in a constant 1000-element array, many times cheaper on 18.16 than a lambda per row.
 */
function weightedIndex(weights: number[], hash: string): string {
  const total = weights.reduce((a, b) => a + b, 0);
  const table: number[] = [];
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    while (table.length < Math.round((sum / total) * 1000)) table.push(i + 1);
  });
  return `[${table.join(',')}][${hash} % 1000 + 1]`;
}

/** The SQL of the item of a weighted list a hash picks. */
const weighted = (values: string[], weights: number[], hash: string) =>
  `[${values.join(', ')}][${weightedIndex(weights, hash)}]`;

/** A UUID-shaped instance id for instance number `expr` (the same in every table). */
const instanceId = (expr: string) =>
  `lower(concat(substring(hex(cityHash64(${expr}, 'i1')), 1, 8), '-', substring(hex(cityHash64(${expr}, 'i1')), 9, 4), ` +
  `'-4', substring(hex(cityHash64(${expr}, 'i1')), 14, 3), '-8', substring(hex(cityHash64(${expr}, 'i2')), 2, 3), '-', ` +
  `substring(hex(cityHash64(${expr}, 'i2')), 5, 12)))`;

/** A 32-hex-digit event id from a 64-bit hash. */
const eventId = (hash: string) => `lower(concat(hex(${hash}), hex(intHash64(${hash}))))`;

const partitionOf = (inst: string) =>
  weighted(
    PARTITION_MIX.map(([p]) => str(p)),
    PARTITION_MIX.map(([, w]) => w),
    `cityHash64(${inst}, 'p')`,
  );

/** Every statement that fills `db` (created by the migrations) with the fleet. */
// Each statement computes what belongs to an instance (or a report) once, from numbers(), and expands
// it to its rows with arrayJoin(range(n)): string work per row on 18.16 made generation ten times slower.
export function fleetInserts(
  db: string,
  shape: FleetShape,
  templates: SampleTemplate[],
  slice: { index: number; count: number } = { index: 0, count: 1 },
): [string, string][] {
  // One slice of every table (`number % count = index` of its numbers()), so slices can be inserted
  // side by side: 18.16 writes one INSERT's blocks on one thread.
  const only = slice.count === 1 ? '' : ` WHERE number % ${slice.count} = ${slice.index}`;
  const perInstance = Math.max(1, Math.floor(shape.versionReports / shape.instances));
  const span = shape.days * 86_400;
  const versionStart = shape.end - span;
  const versions = `[${VERSION_MIX.map(([v]) => str(v)).join(', ')}]`;
  // 'edge' is last: an upgrade moves 3 releases on, at most to the last release before it.
  const lastRelease = VERSION_MIX.length - 1;
  const platform = weighted(
    PLATFORM_MIX.map(([os, arch]) => `(${str(os)}, ${str(arch)})`),
    PLATFORM_MIX.map(([, , w]) => w),
    "cityHash64(inst, 'os')",
  );
  const ua = (v: string) => `concat('Open Policy Agent/', ${v}, ' (', os, ', ', arch, ')')`;
  const versionReports = `
INSERT INTO ${db}.version_reports
  (event_id, seq, received_at, received_at_us, gateway_id, instance_id, version, heap_usage_bytes,
   user_agent, agent, agent_version, os, arch)
SELECT ${eventId('h')}, 0, toDateTime(ts, 'UTC'), toUInt64(ts) * 1000000 + h % 1000000, gateway_id, instance_id,
       if(upgraded, v_new, v_old), toNullable(toUInt64(20000000 + h % 180000000)), if(upgraded, ua_new, ua_old),
       'Open Policy Agent', if(upgraded, v_new, v_old), os, arch
FROM
(
  SELECT *, arrayJoin(range(${perInstance})) AS k, cityHash64(inst, k) AS h,
         ${versionStart} + intDiv(k * ${span}, ${perInstance}) + offset AS ts,
         upgrades AND k >= ${Math.floor(perInstance / 2)} AS upgraded
  FROM
  (
    SELECT number AS inst, ${instanceId('inst')} AS instance_id, concat('gw-', toString(inst % 4)) AS gateway_id,
           ${platform} AS plat, tupleElement(plat, 1) AS os, tupleElement(plat, 2) AS arch,
           ${weightedIndex(
             VERSION_MIX.map(([, w]) => w),
             "cityHash64(inst, 'v')",
           )} AS vi,
           ${versions}[vi] AS v_old, ${versions}[least(vi + 3, ${lastRelease})] AS v_new,
           cityHash64(inst, 'u') % 10 < 3 AND vi < ${lastRelease} AS upgrades,
           ${ua('v_old')} AS ua_old, ${ua('v_new')} AS ua_new,
           cityHash64(inst, 'o') % intDiv(${span}, ${perInstance}) AS offset
    FROM numbers(${shape.instances})${only}
  )
)`;

  const perReport = templates.length;
  const reports = Math.max(1, Math.floor(shape.samples / perReport));
  const statusSpan = shape.statusHours * 3600;
  const statusStart = shape.end - statusSpan;
  const t = (f: (s: SampleTemplate) => string) => `[${templates.map(f).join(', ')}]`;
  const failing = `cityHash64(inst, 'f') % 100 < 2`;
  /** One row per status report r: what its rows share. */
  const report = `
    SELECT number AS r, r % ${shape.prometheusInstances} AS inst, ${eventId("cityHash64(r, 's')")} AS event_id,
           ${statusStart} + intDiv(r * ${statusSpan}, ${reports}) AS ts, toUInt64(ts) * 1000000 + r % 1000000 AS us,
           ${instanceId('inst')} AS instance_id, ${partitionOf('inst')} AS partition, ${failing} AS failing
    FROM numbers(${reports})${only}`;
  const samples = `
INSERT INTO ${db}.prometheus_samples
  (event_id, seq, received_at, received_at_us, instance_id, partition, family, type, name, label_names, label_values, value)
SELECT event_id, s, toDateTime(ts, 'UTC'), us, instance_id, partition,
       ${t((s) => str(s.family))}[s + 1], ${t((s) => str(s.type))}[s + 1], ${t((s) => str(s.name))}[s + 1],
       ${t((s) => strArray(s.labelNames))}[s + 1], ${t((s) => strArray(s.labelValues))}[s + 1],
       if(share >= 0, floor(requests * share), toFloat64(cityHash64(r, s) % 100000000) / 100)
FROM
(
  SELECT *, arrayJoin(range(${perReport})) AS s, ${t((s) => String(s.share))}[s + 1] AS share
  FROM
  (
    SELECT *, toFloat64(1000 + cityHash64(inst, 'q') % 100000 + intDiv(r, ${shape.prometheusInstances}) * 500) AS requests
    FROM (${report})
  )
)`;
  const statusReports = `
INSERT INTO ${db}.status_reports
  (event_id, seq, received_at, received_at_us, instance_id, partition, gateway_id, version, label_names, label_values,
   bundle_count, bundle_error_count, plugin_count, plugin_not_ok_count, sample_count)
SELECT event_id, 0, toDateTime(ts, 'UTC'), us, instance_id, partition, concat('gw-', toString(inst % 4)), '0.70.0',
       ['id', 'version'], [instance_id, '0.70.0'], 2, if(failing, 1, 0), 3, 0, ${perReport}
FROM (${report})`;
  const bundles = `
INSERT INTO ${db}.bundles
  (event_id, seq, received_at, received_at_us, instance_id, partition, kind, name, active_revision, code, message, http_code)
SELECT event_id, b, toDateTime(ts, 'UTC'), us, instance_id, partition, if(b = 0, 'bundle', 'discovery'),
       if(b = 0, 'authz', 'discovery'), concat('rev-', toString(intDiv(r, 50000))),
       if(b = 0 AND failing, 'bundle_error', NULL), if(b = 0 AND failing, 'server replied with Not Found', NULL),
       if(b = 0 AND failing, toInt32(404), NULL)
FROM (SELECT *, arrayJoin([0, 1]) AS b FROM (${report}))`;

  const decisionSpan = shape.decisionHours * 3600;
  const perDecider = Math.max(1, Math.floor(shape.decisions / shape.prometheusInstances));
  const path = weighted(
    POLICY_PATHS.map(([p]) => (p === null ? 'NULL' : str(p))),
    POLICY_PATHS.map(([, w]) => w),
    'h',
  );
  const decisions = `
INSERT INTO ${db}.decisions
  (decision_id, instance_id, decided_at, decided_at_us, decided_at_nanos, event_id, received_at, received_at_us, gateway_id,
   partition, opa_version, path, result_json, error_json)
SELECT ${eventId('h')}, instance_id, toDateTime(ts, 'UTC'), us, 0, ${eventId('intHash64(h)')}, toDateTime(ts, 'UTC'), us,
       gateway_id, partition, '1.22.3', ${path}, 'true', if(h % 100 = 0, '{"code":"eval_error"}', NULL)
FROM
(
  SELECT *, arrayJoin(range(${perDecider})) AS k, cityHash64(inst, k, 'd') AS h,
         ${shape.end - decisionSpan} + h % ${decisionSpan} AS ts, toUInt64(ts) * 1000000 + h % 1000000 AS us
  FROM
  (
    SELECT number AS inst, ${instanceId('inst')} AS instance_id, concat('gw-', toString(inst % 4)) AS gateway_id,
           ${partitionOf('inst')} AS partition
    FROM numbers(${shape.prometheusInstances})${only}
  )
)`;
  const checks = `
INSERT INTO ${db}.version_checks
  (event_id, received_at, received_at_us, gateway_id, repository, endpoint, user_agent, answered_tag, not_modified)
SELECT ${eventId("cityHash64(number, 'c')")}, toDateTime(ts, 'UTC'), toUInt64(ts) * 1000000 + number % 1000000,
       concat('gw-', toString(number % 4)), 'open-policy-agent/opa', 'latest', 'OPA-Version-Checker',
       if(number % 100 = 0, NULL, '${LATEST_RELEASE}'), if(number % 10 < 4, 1, 0)
FROM (SELECT number, ${versionStart} + intDiv(number * ${span}, ${shape.versionChecks}) AS ts FROM numbers(${shape.versionChecks})${only})`;
  const releases = `
INSERT INTO ${db}.releases (channel, tag, release_notes, download_base, source, updated_at, updated_at_us)
VALUES ${[
    ['v1.20.0', 40],
    ['v1.21.0', 20],
    [LATEST_RELEASE, 5],
  ]
    .map(([tag, daysAgo]) => {
      const at = shape.end - Number(daysAgo) * 86_400;
      return `('latest', '${tag}', 'https://github.com/open-policy-agent/opa/releases/tag/${tag}', 'https://openpolicyagent.org/downloads', 'file', ${at}, ${at}000000)`;
    })
    .join(', ')}`;
  return [
    ['releases', releases],
    ['version_reports', versionReports],
    ['prometheus_samples', samples],
    ['status_reports', statusReports],
    ['bundles', bundles],
    ['decisions', decisions],
    ['version_checks', checks],
  ];
}
