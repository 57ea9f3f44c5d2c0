import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureNames, fixturesDir, readFixture, sharedFixturesDir } from '../../../test/support/fixtures';
import {
  type NormalizeContext,
  normalizeStatus,
  normalizeTelemetry,
  type StatusReport,
  statusCodec,
  telemetryCodec,
} from '../src/index';

const ctx: NormalizeContext = {
  eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
  receivedAt: 1_763_892_902_123_456,
  gatewayId: 'gateway-a',
  userAgent: 'Open Policy Agent/v1.4.2 (linux, amd64)',
  partition: null,
};

/** Epoch micros of a UTC date and a microsecond part. */
function micros(iso: string, extraMicros = 0): number {
  return Date.parse(iso) * 1000 + extraMicros;
}

const statusFixtures = fixtureNames().filter((name) => name.startsWith('status-'));

describe('every OPA fixture', () => {
  it('is covered by a round-trip test (only the version reply is not a report)', () => {
    expect(fixtureNames().filter((n) => !statusFixtures.includes(n))).toEqual([
      'telemetry-request.json',
      'telemetry-response.json',
    ]);
    expect(statusFixtures.length).toBeGreaterThanOrEqual(6);
  });

  it('are the shared originals byte for byte (the repository keeps a copy for clones made elsewhere)', () => {
    // Beside a clone without ../shared (CI may clone into /tmp) the copy is all there is: it must then at
    // least hold every fixture the shared README lists.
    const originals = sharedFixturesDir;
    const names = originals === null ? fixtureNames() : fixtureNames(originals);
    const readme = readFileSync(join(fixturesDir, 'README.md'), 'utf8');
    for (const name of names) expect(readme).toContain(name);
    expect(fixtureNames()).toEqual(names);
    if (originals !== null) {
      for (const name of [...names, 'README.md']) {
        expect(readFileSync(join(fixturesDir, name), 'utf8'), name).toBe(
          readFileSync(join(originals, name), 'utf8'),
        );
      }
    }
  });

  it.each(statusFixtures)('%s normalizes, encodes, decodes and compares equal', (name) => {
    const record = normalizeStatus(readFixture(name), ctx);
    const decoded = statusCodec.decode(statusCodec.encode(record));
    expect(decoded).toEqual(record);
    expect(record.labels.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('telemetry-request.json normalizes, encodes, decodes and compares equal', () => {
    const record = normalizeTelemetry(readFixture('telemetry-request.json'), {
      ...ctx,
      userAgent: 'Open Policy Agent/v0.12.3 (darwin, amd64)',
    });
    expect(record).toEqual({
      event_id: ctx.eventId,
      received_at: ctx.receivedAt,
      gateway_id: 'gateway-a',
      id: '08c1d850-6065-478a-b9b5-a8f9f464ad33',
      version: 'v0.12.3',
      heap_usage_bytes: 596000,
      client: {
        user_agent: 'Open Policy Agent/v0.12.3 (darwin, amd64)',
        agent: 'Open Policy Agent',
        agent_version: 'v0.12.3',
        os: 'darwin',
        arch: 'amd64',
      },
      extra_json: null,
    });
    expect(telemetryCodec.decode(telemetryCodec.encode(record))).toEqual(record);
  });
});

describe('status-full.json', () => {
  const record: StatusReport = normalizeStatus(readFixture('status-full.json'), {
    ...ctx,
    partition: 'eu/prod',
  });

  it('keeps the envelope, partition and client platform', () => {
    expect(record.event_id).toBe(ctx.eventId);
    expect(record.received_at).toBe(ctx.receivedAt);
    expect(record.partition).toBe('eu/prod');
    expect(record.client).toMatchObject({ os: 'linux', arch: 'amd64', agent_version: 'v1.4.2' });
  });

  it('splits labels into id, version and custom', () => {
    expect(record.labels).toEqual({
      id: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
      version: '1.4.2',
      custom: { region: 'eu-west-1', cluster: 'prod-a' },
    });
  });

  it('keeps bundles in the order sent, with nanosecond timestamps truncated to micros', () => {
    expect(record.bundles.map((b) => b.name)).toEqual(['authz', 'missing', 'broken']);
    const authz = record.bundles[0]!;
    expect(authz).toMatchObject({
      active_revision: 'b1946ac92492d2347c6235b4d2611184',
      last_successful_download: micros('2026-11-23T10:15:02.123Z', 456),
      last_successful_activation: micros('2026-11-23T10:15:02.201Z', 934),
      type: 'snapshot',
      size: 18234,
      code: null,
      http_code: null,
      errors: [],
      extra_json: null,
    });
    expect(authz.metrics).toEqual({
      timer_bundle_request_ns: 2087441,
      timer_rego_data_parse_ns: 301122,
      timer_rego_module_parse_ns: 1409921,
      timer_rego_module_compile_ns: 5123004,
      timer_rego_load_bundles_ns: 7733120,
    });
  });

  it('turns Go zero time into null and keeps the failure', () => {
    expect(record.bundles[1]).toMatchObject({
      name: 'missing',
      last_successful_download: null,
      last_successful_activation: null,
      last_request: micros('2026-11-23T10:15:01.500Z'),
      last_successful_request: null,
      code: 'bundle_error',
      message: 'server replied with Not Found',
      http_code: 404,
    });
  });

  it('keeps compile errors with location and free-form details', () => {
    expect(record.bundles[2]!.errors).toEqual([
      {
        code: 'rego_type_error',
        message: 'undefined function data.lib.allow_admin',
        location: { file: 'policies/authz.rego', row: 12, col: 5 },
        details_json: null,
      },
      {
        code: 'rego_parse_error',
        message: 'unexpected eof token',
        location: { file: 'policies/util.rego', row: 40, col: 1 },
        details_json: '{"line":"allow if {","idx":9}',
      },
    ]);
  });

  it('normalizes discovery, decision_logs and plugins', () => {
    expect(record.discovery).toMatchObject({
      name: 'discovery',
      active_revision: 'disco-42',
      last_successful_activation: micros('2026-11-23T10:00:00.500Z'),
    });
    expect(record.legacy_bundle).toBeNull();
    expect(record.decision_logs).toEqual({
      code: 'decision_logs_error',
      message: 'log upload failed, server replied with HTTP 503 Service Unavailable',
      http_code: 503,
      extra_json: null,
    });
    expect(record.plugins).toEqual([
      { name: 'bundle', state: 'OK', message: null, extra_json: null },
      { name: 'decision_logs', state: 'ERROR', message: 'upload failed', extra_json: null },
      { name: 'discovery', state: 'OK', message: null, extra_json: null },
      { name: 'status', state: 'OK', message: null, extra_json: null },
    ]);
  });

  it('gives four canonical metric families', () => {
    expect(record.metric_families.map((f) => [f.name, f.type])).toEqual([
      ['http_request_duration_seconds', 'HISTOGRAM'],
      ['opa_bundle_request_total', 'COUNTER'],
      ['go_memstats_heap_alloc_bytes', 'GAUGE'],
      ['opa_legacy_untyped', 'UNTYPED'],
    ]);
    expect(record.metric_families[0]!.metrics[0]).toEqual({
      labels: [
        { name: 'code', value: '200' },
        { name: 'handler', value: 'v1/data' },
        { name: 'method', value: 'post' },
      ],
      value: null,
      summary: null,
      histogram: {
        sample_count: 1520,
        sample_sum: 3.2051,
        buckets: [
          { upper_bound: 0.005, cumulative_count: 1300 },
          { upper_bound: 0.01, cumulative_count: 1480 },
          { upper_bound: 0.1, cumulative_count: 1519 },
          { upper_bound: 1, cumulative_count: 1520 },
        ],
      },
      timestamp_ms: null,
      created_timestamp: null,
    });
    expect(record.metric_families[1]!.metrics.map((m) => m.value)).toEqual([312, 17]);
    expect(record.metric_families[3]!.metrics[0]).toMatchObject({ value: 7, timestamp_ms: 1763892902000 });
    expect(record.other_metrics_json).toBeNull();
    expect(record.extra_json).toBeNull();
  });
});

describe('the other status fixtures', () => {
  it('status-legacy-bundle.json fills legacy_bundle', () => {
    const record = normalizeStatus(readFixture('status-legacy-bundle.json'), ctx);
    expect(record.bundles).toEqual([]);
    expect(record.legacy_bundle).toMatchObject({
      name: 'http/example/authz',
      active_revision: 'rev-2018-01-01',
      last_successful_download: micros('2018-01-01T00:00:00Z'),
    });
  });

  it('status-discovery-error.json keeps the failing discovery bundle', () => {
    const record = normalizeStatus(readFixture('status-discovery-error.json'), ctx);
    expect(record.bundles).toEqual([]);
    expect(record.labels.custom).toEqual({ team: 'payments' });
    expect(record.discovery).toMatchObject({
      last_successful_download: null,
      last_request: micros('2026-11-23T09:00:00Z'),
      http_code: 401,
      message: 'server replied with Unauthorized',
    });
    expect(record.plugins.map((p) => [p.name, p.state])).toEqual([
      ['discovery', 'NOT_READY'],
      ['status', 'OK'],
    ]);
  });

  it('status-prometheus-array.json and -map.json name bundles after their key', () => {
    for (const name of ['status-prometheus-array.json', 'status-prometheus-map.json']) {
      const record = normalizeStatus(readFixture(name), ctx);
      expect(record.bundles.map((b) => b.name)).toEqual(['http/example/authz']);
      expect(record.metric_families.find((f) => f.name === 'go_gc_duration_seconds')!.type).toBe('SUMMARY');
    }
  });

  it('status-prometheus-protojson.json keeps plain numbers as UNTYPED families and reads int64 strings', () => {
    const record = normalizeStatus(readFixture('status-prometheus-protojson.json'), ctx);
    expect(record.metric_families.slice(0, 2)).toEqual([
      {
        name: 'counter_decision_logs_dropped_buffer_size_limit_exceeded',
        help: null,
        type: 'UNTYPED',
        unit: null,
        metrics: [
          {
            labels: [],
            value: 2,
            summary: null,
            histogram: null,
            timestamp_ms: null,
            created_timestamp: null,
          },
        ],
      },
      {
        name: 'counter_decision_logs_nd_builtin_cache_dropped',
        help: null,
        type: 'UNTYPED',
        unit: null,
        metrics: [
          {
            labels: [],
            value: 1,
            summary: null,
            histogram: null,
            timestamp_ms: null,
            created_timestamp: null,
          },
        ],
      },
    ]);
    const summary = record.metric_families.find((f) => f.name === 'go_gc_duration_seconds')!;
    expect(summary.metrics[0]!.summary).toMatchObject({ sample_count: 1, sample_sum: 4.1765e-5 });
    const histogram = record.metric_families.find((f) => f.name === 'http_request_duration_seconds')!;
    expect(histogram.metrics[0]!.histogram!.sample_count).toBe(2);
    expect(histogram.metrics[0]!.histogram!.buckets.map((b) => b.cumulative_count)).toEqual([
      0, 0, 0, 0, 0, 2, 2, 2, 2, 2,
    ]);
    expect(record.bundles[0]).toMatchObject({ size: 1048576, type: 'snapshot' });
  });
});
