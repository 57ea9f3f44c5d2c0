// StatusReport -> rows of status_reports, bundles, plugins and prometheus_samples.
// Decision-log upload state is one-per-report, so it lives in columns of the status_reports row.
import type { BundleStatus, StatusReport } from '@opa-fleet/contracts';
import { forEachSample } from './flatten-metrics';
import type {
  BundleKind,
  BundleRow,
  PluginRow,
  PrometheusSampleRow,
  StatusReportRow,
  StatusRows,
} from './rows';
import { microsToSeconds, sortedEntries } from './time';

export function flattenStatus(report: StatusReport): StatusRows {
  // Rows are built as explicit object literals (no object spread): V8 turns multi-spread literals
  // into slow dictionary objects, which made flattening and JSON encoding several times slower.
  const event_id = report.event_id;
  const received_at = microsToSeconds(report.received_at);
  const received_at_us = report.received_at;
  const instance_id = report.labels.id;
  const partition = report.partition ?? '';
  const key = { event_id, received_at, received_at_us, instance_id, partition };

  // Fixed order so seq is a pure function of the record: bundles as sent, then discovery, then legacy.
  const bundleSources: Array<[BundleKind, BundleStatus]> = report.bundles.map((b) => ['bundle', b]);
  if (report.discovery) bundleSources.push(['discovery', report.discovery]);
  if (report.legacy_bundle) bundleSources.push(['legacy', report.legacy_bundle]);
  const bundles: BundleRow[] = bundleSources.map(([kind, b], seq) => bundleRow(key, seq, kind, b));

  const plugins: PluginRow[] = report.plugins.map((p, seq) => ({
    event_id,
    seq,
    received_at,
    received_at_us,
    instance_id,
    partition,
    name: p.name,
    state: p.state,
    message: p.message,
    extra_json: p.extra_json,
  }));

  const prometheus_samples: PrometheusSampleRow[] = [];
  forEachSample(
    report.metric_families,
    (family, type, name, label_names, label_values, value, timestamp_ms, unit, created_timestamp_us) => {
      prometheus_samples.push({
        event_id,
        seq: prometheus_samples.length,
        received_at,
        received_at_us,
        instance_id,
        partition,
        family,
        type,
        name,
        label_names,
        label_values,
        value,
        timestamp_ms,
        unit,
        created_timestamp_us,
      });
    },
  );

  const labels = sortedEntries(report.labels.custom);
  const dl = report.decision_logs;
  const statusRow: StatusReportRow = {
    event_id,
    seq: 0,
    received_at,
    received_at_us,
    instance_id,
    partition,
    gateway_id: report.gateway_id,
    version: report.labels.version,
    label_names: labels.map(([k]) => k),
    label_values: labels.map(([, v]) => v),
    user_agent: report.client.user_agent,
    agent: report.client.agent,
    agent_version: report.client.agent_version,
    os: report.client.os,
    arch: report.client.arch,
    bundle_count: bundles.length,
    bundle_error_count: bundles.filter((b) => b.code !== null).length,
    plugin_count: plugins.length,
    plugin_not_ok_count: plugins.filter((p) => p.state !== 'OK').length,
    sample_count: prometheus_samples.length,
    decision_logs_code: dl?.code ?? null,
    decision_logs_message: dl?.message ?? null,
    decision_logs_http_code: dl?.http_code ?? null,
    decision_logs_extra_json: dl?.extra_json ?? null,
    other_metrics_json: report.other_metrics_json,
    extra_json: report.extra_json,
  };

  return { status_reports: [statusRow], bundles, plugins, prometheus_samples };
}

type RowKey = Pick<BundleRow, 'event_id' | 'received_at' | 'received_at_us' | 'instance_id' | 'partition'>;

function bundleRow(key: RowKey, seq: number, kind: BundleKind, b: BundleStatus): BundleRow {
  const metrics = sortedEntries(b.metrics);
  return {
    event_id: key.event_id,
    seq,
    received_at: key.received_at,
    received_at_us: key.received_at_us,
    instance_id: key.instance_id,
    partition: key.partition,
    kind,
    name: b.name,
    active_revision: b.active_revision,
    last_successful_download: nullableSeconds(b.last_successful_download),
    last_successful_activation: nullableSeconds(b.last_successful_activation),
    last_request: nullableSeconds(b.last_request),
    last_successful_request: nullableSeconds(b.last_successful_request),
    type: b.type,
    size: b.size,
    code: b.code,
    message: b.message,
    http_code: b.http_code,
    error_codes: b.errors.map((e) => e.code ?? ''),
    error_messages: b.errors.map((e) => e.message ?? ''),
    error_files: b.errors.map((e) => e.location?.file ?? ''),
    error_rows: b.errors.map((e) => e.location?.row ?? 0),
    error_cols: b.errors.map((e) => e.location?.col ?? 0),
    error_details_json: b.errors.map((e) => e.details_json ?? ''),
    metric_names: metrics.map(([k]) => k),
    metric_values: metrics.map(([, v]) => v),
    extra_json: b.extra_json,
  };
}

function nullableSeconds(micros: number | null): number | null {
  return micros === null ? null : microsToSeconds(micros);
}
