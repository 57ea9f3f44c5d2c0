import type { BundleStatus, StatusReport } from '@opa-fleet/contracts';
import { describe, expect, it } from 'vitest';
import { flattenStatus, flattenTelemetry } from '../src';

const bundle = (over: Partial<BundleStatus>): BundleStatus => ({
  name: 'b',
  active_revision: null,
  last_successful_download: null,
  last_successful_activation: null,
  last_request: null,
  last_successful_request: null,
  type: null,
  size: null,
  code: null,
  message: null,
  http_code: null,
  errors: [],
  metrics: {},
  extra_json: null,
  ...over,
});

const report: StatusReport = {
  event_id: '11111111-2222-4333-8444-555555555555',
  received_at: 1_763_892_902_123_456,
  gateway_id: 'gw-1',
  partition: 'prod',
  client: {
    user_agent: 'Open Policy Agent/1.4.2 (linux, amd64)',
    agent: 'Open Policy Agent',
    agent_version: '1.4.2',
    os: 'linux',
    arch: 'amd64',
  },
  labels: { id: 'inst-1', version: '1.4.2', custom: { region: 'eu', app: 'x' } },
  bundles: [
    bundle({
      name: 'authz',
      active_revision: 'r1',
      last_successful_activation: 1_763_892_900_500_000,
      metrics: { z_ns: 2, a_ns: 1 },
    }),
    bundle({
      name: 'broken',
      code: 'bundle_error',
      message: 'compile failed',
      errors: [
        {
          code: 'rego_type_error',
          message: 'undefined',
          location: { file: 'a.rego', row: 12, col: 5 },
          details_json: null,
        },
        { code: null, message: 'eof', location: null, details_json: '{"idx":9}' },
      ],
    }),
  ],
  legacy_bundle: bundle({ name: 'old' }),
  discovery: bundle({ name: 'discovery', code: 'bundle_error', http_code: 401 }),
  decision_logs: { code: 'decision_logs_error', message: 'upload failed', http_code: 503, extra_json: null },
  plugins: [
    { name: 'bundle', state: 'OK', message: null, extra_json: null },
    { name: 'decision_logs', state: 'ERROR', message: 'upload failed', extra_json: null },
  ],
  metric_families: [
    {
      name: 'counter_x',
      help: null,
      type: 'UNTYPED',
      unit: null,
      metrics: [
        { labels: [], value: 2, summary: null, histogram: null, timestamp_ms: null, created_timestamp: null },
      ],
    },
  ],
  other_metrics_json: null,
  extra_json: null,
};

describe('flattenStatus', () => {
  const rows = flattenStatus(report);
  const key = {
    event_id: report.event_id,
    received_at: 1_763_892_902,
    received_at_us: 1_763_892_902_123_456,
    instance_id: 'inst-1',
    partition: 'prod',
  };

  it('keys every row by event_id and a per-table seq, with instance, partition and report time', () => {
    for (const table of [rows.status_reports, rows.bundles, rows.plugins, rows.prometheus_samples]) {
      table.forEach((row, i) => {
        expect(row).toMatchObject({ ...key, seq: i });
      });
    }
  });

  it('writes bundles, then discovery, then the legacy bundle, with a kind column', () => {
    expect(rows.bundles.map((b) => [b.seq, b.kind, b.name])).toEqual([
      [0, 'bundle', 'authz'],
      [1, 'bundle', 'broken'],
      [2, 'discovery', 'discovery'],
      [3, 'legacy', 'old'],
    ]);
    expect(rows.bundles[0]).toMatchObject({
      last_successful_activation: 1_763_892_900,
      metric_names: ['a_ns', 'z_ns'],
      metric_values: [1, 2],
    });
    expect(rows.bundles[1]).toMatchObject({
      error_codes: ['rego_type_error', ''],
      error_messages: ['undefined', 'eof'],
      error_files: ['a.rego', ''],
      error_rows: [12, 0],
      error_cols: [5, 0],
      error_details_json: ['', '{"idx":9}'],
    });
  });

  it('keeps decision-log state and summary counts on the report row', () => {
    expect(rows.status_reports).toEqual([
      {
        ...key,
        seq: 0,
        gateway_id: 'gw-1',
        version: '1.4.2',
        label_names: ['app', 'region'],
        label_values: ['x', 'eu'],
        user_agent: 'Open Policy Agent/1.4.2 (linux, amd64)',
        agent: 'Open Policy Agent',
        agent_version: '1.4.2',
        os: 'linux',
        arch: 'amd64',
        bundle_count: 4,
        bundle_error_count: 2,
        plugin_count: 2,
        plugin_not_ok_count: 1,
        sample_count: 1,
        decision_logs_code: 'decision_logs_error',
        decision_logs_message: 'upload failed',
        decision_logs_http_code: 503,
        decision_logs_extra_json: null,
        other_metrics_json: null,
        extra_json: null,
      },
    ]);
  });

  it('writes the default partition as an empty string', () => {
    expect(flattenStatus({ ...report, partition: null }).status_reports[0]!.partition).toBe('');
  });

  it('is deterministic, so a redelivered record yields identical rows', () => {
    expect(flattenStatus(structuredClone(report))).toEqual(rows);
  });
});

describe('flattenTelemetry', () => {
  it('writes one version report row', () => {
    expect(
      flattenTelemetry({
        event_id: 'e',
        received_at: 1_000_000_999_999,
        gateway_id: 'g',
        id: 'i',
        version: 'v0.12.3',
        heap_usage_bytes: 596000,
        client: { user_agent: null, agent: null, agent_version: null, os: null, arch: null },
        extra_json: '{"min_compatible_version":"0.1"}',
      }),
    ).toEqual({
      event_id: 'e',
      seq: 0,
      received_at: 1_000_000,
      received_at_us: 1_000_000_999_999,
      gateway_id: 'g',
      instance_id: 'i',
      version: 'v0.12.3',
      heap_usage_bytes: 596000,
      user_agent: null,
      agent: null,
      agent_version: null,
      os: null,
      arch: null,
      extra_json: '{"min_compatible_version":"0.1"}',
    });
  });
});
