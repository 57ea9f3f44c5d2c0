// Row shapes of the ClickHouse tables (schemas/clickhouse), one interface per table.
// Keys are column names; values are what JSONEachRow expects (DateTime as epoch seconds).
//
// Every row of a report carries the report's key: `event_id` (the idempotency key minted by the
// gateway) and `seq` (the row's position among that report's rows of the same table), so a
// redelivered report produces byte-identical rows that ReplacingMergeTree collapses.
import type { Sample } from './flatten-metrics';

/** Columns shared by every row derived from one status report. */
export interface ReportRowKey {
  event_id: string;
  /** Position of the row among the rows of the same table from the same report, from 0. */
  seq: number;
  /** `received_at` at the gateway, epoch seconds (ClickHouse `DateTime('UTC')`). */
  received_at: number;
  /** The same instant in epoch microseconds (no DateTime64 on ClickHouse 18.16). */
  received_at_us: number;
  /** OPA instance id (`labels.id`). */
  instance_id: string;
  /** Status partition from `/status/<partition>`; '' for the default `/status` endpoint. */
  partition: string;
}

export interface StatusReportRow extends ReportRowKey {
  gateway_id: string;
  version: string;
  /** Custom labels (everything but id and version), sorted by name, as parallel arrays. */
  label_names: string[];
  label_values: string[];
  user_agent: string | null;
  agent: string | null;
  agent_version: string | null;
  os: string | null;
  arch: string | null;
  /** Bundles of the report including discovery and the legacy `bundle`. */
  bundle_count: number;
  /** Of those, how many carry an error `code`. */
  bundle_error_count: number;
  plugin_count: number;
  /** Plugins whose state is not `OK`. */
  plugin_not_ok_count: number;
  sample_count: number;
  decision_logs_code: string | null;
  decision_logs_message: string | null;
  decision_logs_http_code: number | null;
  decision_logs_extra_json: string | null;
  other_metrics_json: string | null;
  extra_json: string | null;
}

export type BundleKind = 'bundle' | 'discovery' | 'legacy';

export interface BundleRow extends ReportRowKey {
  /** `bundle` for entries of `bundles`, `discovery`, or `legacy` for the deprecated single `bundle`. */
  kind: BundleKind;
  name: string;
  active_revision: string | null;
  last_successful_download: number | null;
  last_successful_activation: number | null;
  last_request: number | null;
  last_successful_request: number | null;
  type: string | null;
  size: number | null;
  code: string | null;
  message: string | null;
  http_code: number | null;
  /** Bundle `errors[]` as parallel arrays ('' / 0 where OPA sent nothing). */
  error_codes: string[];
  error_messages: string[];
  error_files: string[];
  error_rows: number[];
  error_cols: number[];
  error_details_json: string[];
  /** Numeric bundle metrics (`timer_bundle_request_ns`, ...), sorted by name. */
  metric_names: string[];
  metric_values: number[];
  extra_json: string | null;
}

export interface PluginRow extends ReportRowKey {
  name: string;
  state: string;
  message: string | null;
  extra_json: string | null;
}

/** One flattened Prometheus sample of a report: `Sample` (see flatten-metrics) plus the report's key. */
export interface PrometheusSampleRow extends ReportRowKey, Sample {}

export interface VersionReportRow {
  event_id: string;
  seq: number;
  received_at: number;
  received_at_us: number;
  gateway_id: string;
  instance_id: string;
  version: string;
  heap_usage_bytes: number | null;
  user_agent: string | null;
  agent: string | null;
  agent_version: string | null;
  os: string | null;
  arch: string | null;
  extra_json: string | null;
}

/** One GitHub-style version check (OPA 1.7 and later); no instance id: the check carries none. */
export interface VersionCheckRow {
  event_id: string;
  received_at: number;
  received_at_us: number;
  gateway_id: string;
  repository: string;
  endpoint: string;
  user_agent: string | null;
  answered_tag: string | null;
  /** 1 when answered 304 Not Modified. */
  not_modified: 0 | 1;
}

/** One decision (decision-log event); keyed by the decision, not by the upload (see 009_decisions.sql). */
export interface DecisionRow {
  decision_id: string;
  instance_id: string;
  /** When OPA decided, epoch seconds. */
  decided_at: number;
  decided_at_us: number;
  decided_at_nanos: number;
  event_id: string;
  received_at: number;
  received_at_us: number;
  gateway_id: string;
  /** '' for `/logs`. */
  partition: string;
  user_agent: string | null;
  opa_version: string | null;
  /** Custom labels sorted by name, as parallel arrays. */
  label_names: string[];
  label_values: string[];
  path: string | null;
  query: string | null;
  input_json: string | null;
  result_json: string | null;
  mapped_result_json: string | null;
  intermediate_results_json: string | null;
  nd_builtin_cache_json: string | null;
  erased: string[];
  masked: string[];
  error_json: string | null;
  requested_by: string | null;
  req_id: number | null;
  trace_id: string | null;
  span_id: string | null;
  batch_decision_id: string | null;
  revision: string | null;
  /** Bundles sorted by name, as parallel arrays. */
  bundle_names: string[];
  bundle_revisions: string[];
  metric_names: string[];
  metric_values: number[];
  request_context_json: string | null;
  rule_labels_json: string | null;
  custom_json: string | null;
  extra_json: string | null;
}

export interface ReleaseRow {
  channel: string;
  tag: string;
  release_notes: string;
  download_base: string;
  published_at: number | null;
  source: string;
  updated_at: number;
  updated_at_us: number;
}

/** Rows of one status report, per table. */
export interface StatusRows {
  status_reports: StatusReportRow[];
  bundles: BundleRow[];
  plugins: PluginRow[];
  prometheus_samples: PrometheusSampleRow[];
}

export type StatusTable = keyof StatusRows;

/** Table names in insert order (the report row last, so a visible report has its details). */
export const STATUS_TABLES: readonly StatusTable[] = [
  'bundles',
  'plugins',
  'prometheus_samples',
  'status_reports',
];
