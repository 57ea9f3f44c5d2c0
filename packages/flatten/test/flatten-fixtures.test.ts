import { describe, expect, it } from 'vitest';
import { flattenStatus, flattenTelemetry, type PrometheusSampleRow } from '../src';
import { statusFixture, telemetryFixture } from './fixture-records';

const byName = (samples: PrometheusSampleRow[], name: string) => samples.filter((s) => s.name === name);
const le = (s: PrometheusSampleRow) => s.label_values[s.label_names.indexOf('le')];

describe('flattening the OPA fixtures (normalizeStatus -> flattenStatus)', () => {
  it('status-prometheus-map.json: histogram gives 12 _bucket rows incl. +Inf, one _sum, one _count', () => {
    const { prometheus_samples: samples } = flattenStatus(statusFixture('status-prometheus-map.json'));
    const buckets = byName(samples, 'http_request_duration_seconds_bucket');
    expect(buckets.map(le)).toEqual([
      '0.005',
      '0.01',
      '0.025',
      '0.05',
      '0.1',
      '0.25',
      '0.5',
      '1',
      '2.5',
      '5',
      '10',
      '+Inf',
    ]);
    expect(buckets.map((b) => b.value)).toEqual(Array(12).fill(1));
    expect(buckets[0]!.label_names).toEqual(['code', 'handler', 'method', 'le']);
    expect(buckets[0]!.label_values).toEqual(['200', 'v1/data', 'get', '0.005']);
    expect(byName(samples, 'http_request_duration_seconds_sum').map((s) => s.value)).toEqual([0.003157399]);
    expect(byName(samples, 'http_request_duration_seconds_count').map((s) => s.value)).toEqual([1]);
    expect(new Set(buckets.map((b) => `${b.family}/${b.type}`))).toEqual(
      new Set(['http_request_duration_seconds/HISTOGRAM']),
    );
  });

  it('status-prometheus-map.json: summary gives 5 quantile rows plus _sum and _count', () => {
    const { prometheus_samples: samples } = flattenStatus(statusFixture('status-prometheus-map.json'));
    const quantiles = byName(samples, 'go_gc_duration_seconds');
    expect(quantiles.map((q) => [q.label_names, q.label_values, q.value])).toEqual([
      [['quantile'], ['0'], 0.000011799],
      [['quantile'], ['0.25'], 0.000011905],
      [['quantile'], ['0.5'], 0.000040002],
      [['quantile'], ['0.75'], 0.000065238],
      [['quantile'], ['1'], 0.000104897],
    ]);
    expect(byName(samples, 'go_gc_duration_seconds_sum').map((s) => s.value)).toEqual([0.000309117]);
    expect(byName(samples, 'go_gc_duration_seconds_count').map((s) => s.value)).toEqual([7]);
    expect(samples).toHaveLength(12 + 2 + 5 + 2);
    samples.forEach((s, i) => {
      expect(s.seq).toBe(i);
    });
  });

  it('status-prometheus-protojson.json: plain counter_* numbers become two samples, histogram 11 buckets', () => {
    const { prometheus_samples: samples } = flattenStatus(statusFixture('status-prometheus-protojson.json'));
    const counters = samples.filter((s) => s.name.startsWith('counter_'));
    expect(counters.map((s) => [s.name, s.family, s.label_names, s.value]).sort()).toEqual([
      [
        'counter_decision_logs_dropped_buffer_size_limit_exceeded',
        'counter_decision_logs_dropped_buffer_size_limit_exceeded',
        [],
        2,
      ],
      [
        'counter_decision_logs_nd_builtin_cache_dropped',
        'counter_decision_logs_nd_builtin_cache_dropped',
        [],
        1,
      ],
    ]);
    const buckets = byName(samples, 'http_request_duration_seconds_bucket');
    expect(buckets.map(le)).toEqual([
      '1e-06',
      '5e-06',
      '1e-05',
      '5e-05',
      '0.0001',
      '0.0005',
      '0.001',
      '0.01',
      '0.1',
      '1',
      '+Inf',
    ]);
    expect(buckets.map((b) => b.value)).toEqual([0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2]);
    expect(byName(samples, 'go_gc_cycles_automatic_gc_cycles_total').map((s) => [s.type, s.value])).toEqual([
      ['COUNTER', 1],
    ]);
    expect(byName(samples, 'go_gc_duration_seconds')).toHaveLength(5);
    expect(byName(samples, 'go_gc_duration_seconds_count').map((s) => s.value)).toEqual([1]);
  });

  it('status-prometheus-protojson.json: bundle size/type/metrics and decision-log state', () => {
    const rows = flattenStatus(statusFixture('status-prometheus-protojson.json'));
    expect(rows.bundles).toHaveLength(1);
    expect(rows.bundles[0]).toMatchObject({
      kind: 'bundle',
      name: 'http/example/authz',
      active_revision: 'ABC',
      size: 1048576,
      type: 'snapshot',
      last_successful_activation: Date.UTC(2018, 0, 1) / 1000,
      metric_names: [
        'timer_rego_data_parse_ns',
        'timer_rego_module_compile_ns',
        'timer_rego_module_parse_ns',
      ],
      metric_values: [12345, 12345, 12345],
    });
    expect(rows.status_reports[0]).toMatchObject({
      decision_logs_code: 'decision_log_error',
      decision_logs_message: 'Upload Failed',
      decision_logs_http_code: 400,
      plugin_count: 3,
      plugin_not_ok_count: 0,
    });
  });

  it('status-full.json: bundles, discovery, errors, plugins and four metric types', () => {
    const rows = flattenStatus(statusFixture('status-full.json', 'prod-eu'));
    expect(rows.bundles.map((b) => [b.seq, b.kind, b.name, b.code, b.http_code])).toEqual([
      [0, 'bundle', 'authz', null, null],
      [1, 'bundle', 'missing', 'bundle_error', 404],
      [2, 'bundle', 'broken', 'bundle_error', null],
      [3, 'discovery', 'discovery', null, null],
    ]);
    expect(rows.bundles[1]).toMatchObject({
      last_successful_activation: null,
      last_successful_download: null,
    });
    expect(rows.bundles[2]).toMatchObject({
      error_codes: ['rego_type_error', 'rego_parse_error'],
      error_files: ['policies/authz.rego', 'policies/util.rego'],
      error_rows: [12, 40],
      error_cols: [5, 1],
    });
    expect(JSON.parse(rows.bundles[2]!.error_details_json[1]!)).toEqual({ line: 'allow if {', idx: 9 });
    expect(rows.bundles[2]!.error_details_json[0]).toBe('');
    expect(rows.plugins.map((p) => [p.name, p.state, p.message])).toEqual([
      ['bundle', 'OK', null],
      ['decision_logs', 'ERROR', 'upload failed'],
      ['discovery', 'OK', null],
      ['status', 'OK', null],
    ]);
    const samples = rows.prometheus_samples;
    expect(samples.map((s) => s.name)).toEqual([
      ...Array(5).fill('http_request_duration_seconds_bucket'),
      'http_request_duration_seconds_sum',
      'http_request_duration_seconds_count',
      'opa_bundle_request_total',
      'opa_bundle_request_total',
      'go_memstats_heap_alloc_bytes',
      'opa_legacy_untyped',
    ]);
    expect(samples.at(-1)).toMatchObject({ type: 'UNTYPED', value: 7, timestamp_ms: 1763892902000 });
    expect(samples[7]).toMatchObject({
      label_names: ['bundle', 'code'],
      label_values: ['authz', '200'],
      value: 312,
    });
    expect(rows.status_reports[0]).toMatchObject({
      partition: 'prod-eu',
      version: '1.4.2',
      label_names: ['cluster', 'region'],
      label_values: ['prod-a', 'eu-west-1'],
      bundle_count: 4,
      bundle_error_count: 2,
      plugin_not_ok_count: 1,
      sample_count: 11,
      decision_logs_http_code: 503,
    });
  });

  it('status-legacy-bundle.json: the deprecated bundle field is a legacy row', () => {
    const rows = flattenStatus(statusFixture('status-legacy-bundle.json'));
    expect(rows.bundles.map((b) => [b.kind, b.name, b.active_revision])).toEqual([
      ['legacy', 'http/example/authz', 'rev-2018-01-01'],
    ]);
    expect(rows.prometheus_samples).toEqual([]);
  });

  it('status-discovery-error.json: a failing discovery bundle and no bundles', () => {
    const rows = flattenStatus(statusFixture('status-discovery-error.json'));
    expect(rows.bundles.map((b) => [b.kind, b.code, b.http_code, b.message, b.last_request])).toEqual([
      [
        'discovery',
        'bundle_error',
        401,
        'server replied with Unauthorized',
        Date.UTC(2026, 10, 23, 9) / 1000,
      ],
    ]);
    expect(rows.plugins.map((p) => [p.name, p.state])).toEqual([
      ['discovery', 'NOT_READY'],
      ['status', 'OK'],
    ]);
  });

  it('telemetry-request.json: one version report row with the heap as a number', () => {
    expect(flattenTelemetry(telemetryFixture('telemetry-request.json'))).toMatchObject({
      instance_id: '08c1d850-6065-478a-b9b5-a8f9f464ad33',
      version: 'v0.12.3',
      heap_usage_bytes: 596000,
      os: 'darwin',
      arch: 'amd64',
      seq: 0,
    });
  });
});
