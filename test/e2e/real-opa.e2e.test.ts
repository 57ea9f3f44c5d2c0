// Real OPA binaries of both eras against the real pipeline, as real processes:
//   OPA v0.70.0 (version report: POST /v1/version) and v1.22.3 (version check: GET
//   /repos/open-policy-agent/opa/releases/latest, GitHub's API shape), each through `opa version -c` and
//   through `opa run --server` at start-up; status updates with `prometheus: true` (a good and a failing
//   bundle, a partition name, custom labels) and without (configured by a discovery bundle); then the
//   rows in ClickHouse for the exact reports OPA sent (the gateway's reply names each one's event_id).
// What the binaries taught (the docs do not say it): `opa run --server` puts its whole Prometheus
// registry (about 139 Go runtime and HTTP families) into every status update whether or not
// `prometheus: true` is set; the setting adds the status plugin's own collectors (`opa_info`, plugin,
// bundle and decision-log gauges). Not every update carries `plugins` (v1.22.3, after a decision-log
// upload). And v1.x sends `Open-Policy-Agent/<v> (<os>, <arch>)`, with hyphens.
// The bodies OPA sent are written to .state/opa-real/<version>/ on every run, and with
// OPA_CORPUS_UPDATE=1 to test/fixtures/opa-real/<version>/ (the committed corpus of real shapes for unit
// tests and benchmarks; written by this test, never edited by hand), so a test run leaves the tree clean.
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BundleServer, type BundleSpec } from '../support/bundle-server';
import { opaBinary, opaVersionCheck, type RunningOpa, startOpa } from '../support/opa-process';
import { type OpaExchange, OpaRecorder } from '../support/opa-recorder';
import { freePort, type PipelineHarness, startPipelineHarness } from '../support/pipeline-harness';

/** The release the catalog calls latest: newer than both binaries, so both are told to upgrade. */
const LATEST = 'v1.23.0';
const ERAS = [
  // The last era of version reports, and a current release. Each reads its own variable.
  {
    version: 'v0.70.0',
    checkVariable: 'OPA_TELEMETRY_SERVICE_URL',
    check: /^\/v1\/version$/,
    agent: 'Open Policy Agent',
  },
  {
    version: 'v1.22.3',
    checkVariable: 'OPA_VERSION_CHECK_SERVICE_URL',
    check: /^\/repos\/open-policy-agent\/opa\/releases\/latest$/,
    agent: 'Open-Policy-Agent',
  },
] as const;
/** A family only the status plugin's `prometheus: true` adds (in both eras; `plugin_status_gauge` is not
 * in every update of v1.22.3). */
const STATUS_PLUGIN_FAMILY = 'opa_info';
type Version = (typeof ERAS)[number]['version'];

const CORPUS_DIR = fileURLToPath(
  new URL(
    process.env.OPA_CORPUS_UPDATE === '1' ? '../fixtures/opa-real/' : '../../.state/opa-real/',
    import.meta.url,
  ),
);
const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
const PLATFORM = `${process.platform}_${GO_ARCH[process.arch] ?? process.arch}`;
const RUN = `real-opa-${Date.now()}`;
const POLLING = { min_delay_seconds: 1, max_delay_seconds: 2 };
const POST_WINDOW_MS = 10_000;

// biome-ignore lint/suspicious/noExplicitAny: status bodies are OPA's JSON, read field by field
type Body = Record<string, any>;

const BUNDLES: BundleSpec[] = [
  {
    resource: '/bundles/good.tar.gz',
    files: {
      '.manifest': JSON.stringify({ revision: 'good-rev-1', roots: ['good'] }),
      'good/policy.rego': 'package good\n\nallow := true\n',
    },
  },
  {
    // Does not parse: OPA keeps trying and reports the activation error in every status update.
    resource: '/bundles/broken.tar.gz',
    files: {
      '.manifest': JSON.stringify({ revision: 'broken-rev-1', roots: ['broken'] }),
      'broken/policy.rego': 'package broken\n\nallow := {{{\n',
    },
  },
  {
    // The configuration a discovery-managed OPA gets: one bundle, status without Prometheus metrics.
    resource: '/bundles/discovery.tar.gz',
    files: {
      '.manifest': JSON.stringify({ revision: 'disco-rev-1', roots: ['fleet_config'] }),
      'data.json': JSON.stringify({
        fleet_config: {
          bundles: {
            'disco-good': { service: 'bundles', resource: '/bundles/good.tar.gz', polling: POLLING },
          },
          status: { service: 'fleet' },
        },
      }),
    },
  },
];

function directConfig(fleet: string, bundles: string): string {
  return JSON.stringify({
    services: { fleet: { url: fleet }, bundles: { url: bundles } },
    labels: { region: 'eu-west', team: 'platform', suite_run: RUN },
    bundles: {
      good: { service: 'bundles', resource: '/bundles/good.tar.gz', polling: POLLING },
      broken: { service: 'bundles', resource: '/bundles/broken.tar.gz', polling: POLLING },
    },
    status: { service: 'fleet', partition_name: 'prod-eu', prometheus: true },
    decision_logs: {
      service: 'fleet',
      partition_name: 'prod-eu',
      reporting: { min_delay_seconds: 1, max_delay_seconds: 2 },
    },
  });
}

function discoveryConfig(fleet: string, bundles: string): string {
  return JSON.stringify({
    services: { fleet: { url: fleet }, bundles: { url: bundles } },
    labels: { role: 'discovered', suite_run: RUN },
    discovery: { service: 'bundles', resource: '/bundles/discovery.tar.gz', decision: 'fleet_config' },
  });
}

const parse = (text: string): Body => JSON.parse(text) as Body;
const versionOf = (e: OpaExchange) => `v${parse(e.body).labels?.version}`;

let harness: PipelineHarness;
let recorder: OpaRecorder;
let bundleServer: BundleServer;
let fleetUrl: string;
let bundlesUrl: string;
const binaries = new Map<Version, string>();
const running: RunningOpa[] = [];

beforeAll(async () => {
  // Built once per machine (about 4-5 min each cold; seconds with Go's caches warm; CI builds them first).
  for (const era of ERAS) binaries.set(era.version, opaBinary(era.version));
  harness = await startPipelineHarness({ releases: ['v1.22.3', LATEST] });
  await harness.pipeline.ready();
  recorder = new OpaRecorder(harness.pipeline.gatewayUrl);
  fleetUrl = await recorder.start();
  bundleServer = new BundleServer(BUNDLES);
  bundlesUrl = await bundleServer.start();
  // The advisor publishes the catalog's latest release; wait until the gateway's view has it.
  const deadline = Date.now() + 60_000;
  for (;;) {
    const r = await fetch(`${harness.pipeline.gatewayUrl}/repos/open-policy-agent/opa/releases/latest`);
    if (r.status === 200 && ((await r.json()) as Body).tag_name === LATEST) break;
    if (Date.now() > deadline) throw new Error(`the gateway never learned release ${LATEST}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}, 1_800_000);

afterAll(async () => {
  await Promise.all(running.map((opa) => opa.stop()));
  await bundleServer?.stop();
  await recorder?.stop();
  await harness?.close();
});

/** Polls until `find` returns something, or fails naming what was awaited. */
async function eventually<T>(what: string, find: () => T | undefined | null, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found !== undefined && found !== null) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe.each(ERAS)('OPA $version: the version check', ({ version, checkVariable, check }) => {
  it(`opa version -c (${checkVariable}) prints the catalog's latest release and its download link`, async () => {
    const before = recorder.to(check).length;
    const result = await opaVersionCheck(binaries.get(version)!, { [checkVariable]: fleetUrl });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Version: ${version.slice(1)}`);
    expect(result.stdout).toContain(`Latest Upstream Version: ${LATEST.slice(1)}`);
    expect(result.stdout).toContain(
      `Download: https://openpolicyagent.org/downloads/${LATEST}/opa_${PLATFORM}`,
    );
    expect(result.stdout).toContain(
      `Release Notes: https://github.com/open-policy-agent/opa/releases/tag/${LATEST}`,
    );
    const sent = recorder.to(check).slice(before);
    expect(sent).toHaveLength(1);
    if (version === 'v0.70.0') {
      expect(sent[0]).toMatchObject({ method: 'POST', status: 200 });
      expect(sent[0]!.userAgent).toBe(
        `Open Policy Agent/${version.slice(1)} (${PLATFORM.replace('_', ', ')})`,
      );
      expect(parse(sent[0]!.body)).toMatchObject({ version: version.slice(1), id: expect.any(String) });
    } else {
      expect(sent[0]).toMatchObject({
        method: 'GET',
        status: 200,
        userAgent: 'OPA-Version-Checker',
        body: '',
      });
    }
  });

  it('is stored anonymously in ClickHouse', async () => {
    if (version === 'v0.70.0') {
      const rows = await harness.waitFor<{ n: string }>(
        `SELECT count() AS n FROM version_reports FINAL WHERE version = '${version.slice(1)}'`,
        (r) => Number(r[0]?.n) >= 1,
      );
      expect(Number(rows[0]!.n)).toBeGreaterThanOrEqual(1);
    } else {
      const rows = await harness.waitFor<{ user_agent: string; answered_tag: string }>(
        `SELECT user_agent, answered_tag FROM version_checks FINAL WHERE endpoint = 'latest' AND user_agent = 'OPA-Version-Checker'`,
        (r) => r.length >= 1,
      );
      expect(rows[0]).toEqual({ user_agent: 'OPA-Version-Checker', answered_tag: LATEST });
    }
  });
});

it('OPA v1.22.3 no longer reads OPA_TELEMETRY_SERVICE_URL: nothing reaches the gateway through it', async () => {
  const before = recorder.exchanges.length;
  // Pointed elsewhere (an unroutable GitHub API base) so the check fails fast instead of reaching out.
  const result = await opaVersionCheck(binaries.get('v1.22.3')!, {
    OPA_TELEMETRY_SERVICE_URL: fleetUrl,
    OPA_VERSION_CHECK_SERVICE_URL: 'http://127.0.0.1:9',
  });
  expect(result.code).not.toBe(0);
  expect(recorder.exchanges.length).toBe(before);
});

describe.each(ERAS)('OPA $version: opa run --server', ({ version, check, agent }) => {
  let direct: RunningOpa;
  let discovered: RunningOpa;
  /** The first status update of the directly configured OPA that shows both bundles settled. */
  let settled: OpaExchange;
  let discoveredStatus: OpaExchange;
  let decisionUpload: OpaExchange | undefined;

  beforeAll(async () => {
    const binary = binaries.get(version)!;
    const env = { [ERAS.find((e) => e.version === version)!.checkVariable]: fleetUrl };
    direct = startOpa({
      binary,
      version,
      config: directConfig(fleetUrl, bundlesUrl),
      port: await freePort(),
      env,
    });
    discovered = startOpa({
      binary,
      version,
      config: discoveryConfig(fleetUrl, bundlesUrl),
      port: await freePort(),
      env,
    });
    running.push(direct, discovered);
    settled = await eventually(`a settled status update of ${version} on /status/prod-eu`, () =>
      recorder.to(/^\/status\/prod-eu$/).find((e) => {
        const body = parse(e.body);
        return (
          versionOf(e) === version &&
          e.status === 200 &&
          body.bundles?.good?.active_revision === 'good-rev-1' &&
          body.bundles?.broken?.code !== undefined &&
          body.metrics?.prometheus !== undefined &&
          // Updates a decision-log upload triggers may carry no `plugins` (seen on v1.22.3).
          body.plugins !== undefined
        );
      }),
    );
    discoveredStatus = await eventually(`a status update of the discovery-managed ${version}`, () =>
      recorder.to(/^\/status\/?$/).find((e) => {
        const body = parse(e.body);
        return (
          versionOf(e) === version &&
          e.status === 200 &&
          body.discovery?.active_revision === 'disco-rev-1' &&
          body.bundles?.['disco-good']?.active_revision === 'good-rev-1'
        );
      }),
    );
  }, 180_000);

  it('checks its version at start-up and logs the download link of the latest release', async () => {
    const line = await direct.waitForLog((l) => l.msg === 'OPA is out of date.');
    expect(line).toMatchObject({
      current_version: version.slice(1),
      latest_version: LATEST.slice(1),
      download_opa: `https://openpolicyagent.org/downloads/${LATEST}/opa_${PLATFORM}`,
    });
    expect(recorder.to(check).length).toBeGreaterThanOrEqual(2);
  });

  it('sends status updates with Prometheus metrics in protobuf-JSON spelling, accepted by the gateway', () => {
    const body = parse(settled.body);
    expect(settled).toMatchObject({ method: 'POST', contentType: 'application/json' });
    expect(settled.userAgent).toBe(`${agent}/${version.slice(1)} (${PLATFORM.replace('_', ', ')})`);
    expect(body.labels).toMatchObject({ region: 'eu-west', team: 'platform', version: version.slice(1) });
    const values = Object.values(body.metrics.prometheus);
    expect(values.length).toBeGreaterThan(100);
    // Families carry their name, type and samples; OPA 1.x also puts plain counters among them
    // (`counter_status_dropped_buffer_limit_exceeded: 0`), stored as untyped samples.
    const families = values.filter((v): v is Body => typeof v === 'object');
    expect(families.every((f) => typeof f.name === 'string' && typeof f.type === 'string')).toBe(true);
    expect(values.every((v) => typeof v === 'object' || typeof v === 'number')).toBe(true);
    expect(body.bundles.broken.code).toBe('bundle_error');
  });

  it('lands the settled update in ClickHouse: report, labels, bundles, plugins and every family', async () => {
    const body = parse(settled.body);
    const eventId = parse(settled.reply).event_id as string;
    expect(eventId).toMatch(/^[0-9a-f-]{36}$/);
    const [report] = await harness.waitFor<Body>(
      `SELECT * FROM status_reports FINAL WHERE event_id = '${eventId}'`,
      (r) => r.length === 1,
    );
    expect(report).toMatchObject({
      instance_id: body.labels.id,
      partition: 'prod-eu',
      version: version.slice(1),
      bundle_count: 2,
      bundle_error_count: 1,
    });
    const labels = Object.fromEntries(
      (report!.label_names as string[]).map((name, i) => [name, (report!.label_values as string[])[i]]),
    );
    expect(labels).toMatchObject({ region: 'eu-west', team: 'platform', suite_run: RUN });

    const bundles = await harness.waitFor<Body>(
      `SELECT kind, name, active_revision, code, error_codes, error_files FROM bundles FINAL WHERE event_id = '${eventId}' ORDER BY name`,
      (r) => r.length === 2,
    );
    expect(bundles[0]).toMatchObject({ kind: 'bundle', name: 'broken', code: 'bundle_error' });
    expect(bundles[0]!.error_codes).toContain('rego_parse_error');
    expect(bundles[0]!.error_files).toContain('./broken/policy.rego');
    expect(bundles[1]).toMatchObject({
      kind: 'bundle',
      name: 'good',
      active_revision: 'good-rev-1',
      code: null,
    });

    const plugins = await harness.waitFor<{ name: string; state: string }>(
      `SELECT name, state FROM plugins FINAL WHERE event_id = '${eventId}' ORDER BY name`,
      (r) => r.length === Object.keys(body.plugins ?? {}).length,
    );
    expect(plugins).toEqual(
      Object.entries(body.plugins as Record<string, { state: string }>)
        .map(([name, p]) => ({ name, state: p.state }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );

    const families = await harness.waitFor<{ family: string }>(
      `SELECT DISTINCT family FROM prometheus_samples FINAL WHERE event_id = '${eventId}' ORDER BY family`,
      (r) => r.length > 0,
    );
    // Every family OPA sent, and only those (empty families have no samples to store).
    const sent = Object.entries(body.metrics.prometheus as Record<string, Body | number>)
      .filter(([, f]) => typeof f === 'number' || f.metric?.length > 0)
      .map(([name]) => name)
      .sort();
    expect(families.map((f) => f.family).sort()).toEqual(sent);
    const [counted] = await harness.query<{ samples: string; sample_count: string }>(
      `SELECT (SELECT count() FROM prometheus_samples FINAL WHERE event_id = '${eventId}') AS samples, sample_count FROM status_reports FINAL WHERE event_id = '${eventId}'`,
    );
    expect(Number(counted!.samples)).toBe(Number(counted!.sample_count));
    expect(Number(counted!.samples)).toBeGreaterThan(families.length);
  });

  it("stores each family's unit and each metric's created timestamp on its samples, as OPA sent them", async () => {
    const body = parse(settled.body);
    const eventId = parse(settled.reply).event_id as string;
    /** Epoch micros of OPA's RFC 3339 UTC text (nanoseconds truncated, as the pipeline keeps them). */
    const micros = (text: string) => {
      const [, seconds, fraction] = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(text)!;
      return Date.parse(`${seconds}Z`) * 1000 + Number((fraction ?? '').padEnd(9, '0').slice(0, 6));
    };
    const holders = ['counter', 'gauge', 'untyped', 'summary', 'histogram'];
    // One entry per metric OPA sent: its family, the family's unit, and its created timestamp (or null);
    // a plain number (OPA's own counters) is one untyped metric without either.
    const sent = Object.entries(body.metrics.prometheus as Record<string, Body | number>).flatMap(
      ([family, f]) =>
        typeof f === 'number'
          ? [{ family, unit: '', created: null }]
          : ((f.metric ?? []) as Body[]).map((m) => {
              const created = holders.map((h) => m[h]?.createdTimestamp).find((c) => typeof c === 'string');
              return {
                family,
                unit: (f.unit as string | undefined) ?? '',
                created: created ? micros(created) : null,
              };
            }),
    );
    // The stored metrics: a sample's labels without the `le`/`quantile` flattening added name its metric.
    const stored = await harness.query<{ family: string; unit: string; created: string | null }>(
      'SELECT DISTINCT family, unit, created_timestamp_us AS created, ' +
        "arrayFilter((v, n) -> n != 'le' AND n != 'quantile', label_values, label_names) AS metric " +
        `FROM prometheus_samples FINAL WHERE event_id = '${eventId}'`,
    );
    const key = (m: { family: string; unit: string; created: number | null }) =>
      `${m.family} ${m.unit} ${m.created}`;
    expect(
      stored.map((m) => key({ ...m, created: m.created === null ? null : Number(m.created) })).sort(),
    ).toEqual(sent.map(key).sort());
    // What this era sends: v1.22.3 a unit on most Go runtime families, both eras created timestamps on
    // their counters and histograms (82 and 79 in the committed corpus).
    expect(sent.filter((m) => m.created !== null).length).toBeGreaterThan(50);
    if (version === 'v1.22.3')
      expect(new Set(sent.filter((m) => m.unit !== '').map((m) => m.family)).size).toBeGreaterThan(100);
    else expect(sent.filter((m) => m.unit !== '')).toEqual([]);
  });

  it('without `prometheus: true` still sends the server registry, without the status plugin collectors', () => {
    const without = Object.keys(parse(discoveredStatus.body).metrics.prometheus);
    const withIt = Object.keys(parse(settled.body).metrics.prometheus);
    expect(without.length).toBeGreaterThan(100);
    expect(without).not.toContain(STATUS_PLUGIN_FAMILY);
    expect(withIt).toContain(STATUS_PLUGIN_FAMILY);
    expect(withIt.length).toBeGreaterThan(without.length);
  });

  it('lands the discovery-managed update: the discovery bundle, its bundle, its samples', async () => {
    const body = parse(discoveredStatus.body);
    const eventId = parse(discoveredStatus.reply).event_id as string;
    const bundles = await harness.waitFor<Body>(
      `SELECT kind, name, active_revision FROM bundles FINAL WHERE event_id = '${eventId}' ORDER BY kind, name`,
      (r) => r.length === 2,
    );
    expect(bundles).toEqual([
      { kind: 'bundle', name: 'disco-good', active_revision: 'good-rev-1' },
      { kind: 'discovery', name: expect.any(String), active_revision: 'disco-rev-1' },
    ]);
    const [report] = await harness.query<Body>(
      `SELECT partition, sample_count, label_names, label_values FROM status_reports FINAL WHERE event_id = '${eventId}'`,
    );
    expect(report).toMatchObject({ partition: '' });
    expect(report!.label_values).toContain('discovered');
    const [samples] = await harness.query<{ n: string; plugin_family: string }>(
      `SELECT count() AS n, countIf(family = '${STATUS_PLUGIN_FAMILY}') AS plugin_family FROM prometheus_samples FINAL WHERE event_id = '${eventId}'`,
    );
    expect(Number(samples!.n)).toBe(Number(report!.sample_count));
    expect(Number(samples!.n)).toBeGreaterThan(Object.keys(body.metrics.prometheus).length);
    expect(Number(samples!.plugin_family)).toBe(0);
    const plugins = await harness.query<{ name: string }>(
      `SELECT name FROM plugins FINAL WHERE event_id = '${eventId}'`,
    );
    expect(plugins.map((p) => p.name)).toContain('discovery');
  });

  it('uploads its decision logs: every decision id its API returned is in ClickHouse exactly once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await fetch(`${direct.url}/v1/data/good/allow`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: { user: `user-${i}`, action: 'read' } }),
      });
      const answer = (await r.json()) as { decision_id?: string; result?: unknown };
      expect(answer.result).toBe(true);
      ids.push(answer.decision_id!);
    }
    expect(new Set(ids).size).toBe(5);
    const upload = await eventually(`a decision-log upload of ${version} with its decisions`, () =>
      recorder
        .to(/^\/logs\/prod-eu$/)
        .find((e) => e.status === 200 && ids.every((id) => e.body.includes(id))),
    );
    expect(upload).toMatchObject({ method: 'POST', contentEncoding: 'gzip' });
    const list = ids.map((id) => `'${id}'`).join(',');
    const rows = await harness.waitFor<{ decision_id: string; n: string; path: string; input_json: string }>(
      `SELECT decision_id, count() AS n, any(path) AS path, any(input_json) AS input_json FROM decisions FINAL WHERE decision_id IN (${list}) GROUP BY decision_id ORDER BY decision_id`,
      (r) => r.length === ids.length,
    );
    expect(rows.map((r) => r.decision_id)).toEqual([...ids].sort());
    expect(rows.every((r) => Number(r.n) === 1 && r.path === 'good/allow')).toBe(true);
    expect(JSON.parse(rows.find((r) => r.decision_id === ids[0])!.input_json)).toEqual({
      user: 'user-0',
      action: 'read',
    });
    const [raw] = await harness.query<{ n: string; partition: string }>(
      `SELECT count() AS n, any(partition) AS partition FROM decisions WHERE decision_id IN (${list})`,
    );
    expect(raw).toEqual({ n: String(ids.length), partition: 'prod-eu' });
    decisionUpload = upload;
  });

  it('writes what it sent to the corpus of real bodies', async () => {
    const dir = `${CORPUS_DIR}${version}/`;
    mkdirSync(dir, { recursive: true });
    // How often it posts: the updates of its first POST_WINDOW_MS, bundles polled every 1-2 s.
    const posts = () => recorder.to(/^\/status\/prod-eu$/).filter((e) => versionOf(e) === version);
    const first = posts()[0]!.at;
    await eventually('the posting window to pass', () =>
      recorder.elapsed() > first + POST_WINDOW_MS ? true : null,
    );
    const statusPosts = posts().filter((e) => e.at <= first + POST_WINDOW_MS);
    const span = POST_WINDOW_MS / 1000;
    const families = Object.keys(parse(settled.body).metrics.prometheus).length;
    const checkSent = recorder.to(check).at(-1)!;
    writeFileSync(`${dir}status-prometheus.json`, settled.body);
    writeFileSync(`${dir}status.json`, discoveredStatus.body);
    if (decisionUpload) writeFileSync(`${dir}decisions.json`, decisionUpload.body);
    writeFileSync(
      `${dir}version-check.json`,
      `${JSON.stringify(
        {
          method: checkSent.method,
          path: checkSent.path,
          user_agent: checkSent.userAgent,
          content_type: checkSent.contentType,
          body: checkSent.body === '' ? null : parse(checkSent.body),
        },
        null,
        2,
      )}\n`,
    );
    const summary = {
      note: 'Written by test/e2e/real-opa.e2e.test.ts from what the real binary sent; do not edit by hand.',
      opa_version: version,
      status_prometheus: {
        bytes: Buffer.byteLength(settled.body),
        families,
        user_agent: settled.userAgent,
        content_type: settled.contentType,
        content_encoding: settled.contentEncoding,
      },
      decisions_upload: decisionUpload && {
        bytes_gzipped: decisionUpload.wireBytes,
        bytes: Buffer.byteLength(decisionUpload.body),
        events: (JSON.parse(decisionUpload.body) as unknown[]).length,
        user_agent: decisionUpload.userAgent,
        content_type: decisionUpload.contentType,
      },
      status_without_prometheus: {
        bytes: Buffer.byteLength(discoveredStatus.body),
        families: Object.keys(parse(discoveredStatus.body).metrics.prometheus).length,
      },
      // In the first 10 s after its first update, two bundles polled every 1-2 s (OPA posts on every
      // poll, also a 304, and on every plugin state change).
      status_posts: { count: statusPosts.length, seconds: span },
    };
    writeFileSync(`${dir}capture.json`, `${JSON.stringify(summary, null, 2)}\n`);
    expect(summary.status_prometheus.bytes).toBeGreaterThan(summary.status_without_prometheus.bytes);
  });
});
