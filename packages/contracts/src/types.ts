// Canonical records: what the gateway writes to Kafka and every consumer reads.
// These shapes mirror schemas/avro/*.avsc field for field (a test fails on drift).
//
// Conventions:
// - Timestamps are microseconds since the Unix epoch (Avro long, logicalType timestamp-micros),
//   or null where OPA sent Go's zero time ("never") or nothing.
// - Free-form or unknown JSON is kept as a JSON string (`*_json` fields) so nothing OPA sends is lost.

/** Fields every record on Kafka carries, set by the gateway. */
export interface Envelope {
  /** UUID v4 minted by the gateway; the idempotency key downstream. */
  event_id: string;
  /** When the gateway accepted the report, epoch micros. */
  received_at: number;
  /** Which gateway instance accepted it (host name or configured id); never a client address. */
  gateway_id: string;
}

/** What the gateway learned from the User-Agent header (`Open Policy Agent/v0.12.3 (darwin, amd64)`). */
export interface ClientPlatform {
  /** The raw header, truncated to the configured limit; null when absent. */
  user_agent: string | null;
  /** Agent product (`Open Policy Agent`), null when not parseable. */
  agent: string | null;
  /** Version from the UA (`v0.12.3`), as sent. */
  agent_version: string | null;
  /** `darwin`, `linux`, `windows`, ... lower-case; null when unknown. */
  os: string | null;
  /** `amd64`, `arm64`, ... lower-case; null when unknown. */
  arch: string | null;
}

export interface TelemetryReport extends Envelope {
  /** OPA instance id (`id`). */
  id: string;
  /** Version the instance reports (`version`, e.g. `v0.12.3` or `0.12.3` or `edge`). */
  version: string;
  /** `heap_usage_bytes`, accepted as string or number; null when absent. */
  heap_usage_bytes: number | null;
  client: ClientPlatform;
  /** Top-level keys other than id/version/heap_usage_bytes (e.g. `min_compatible_version`), as a JSON object string; null when none. */
  extra_json: string | null;
}

export interface BundleErrorLocation {
  file: string | null;
  row: number | null;
  col: number | null;
}

/** One entry of a bundle's `errors` (Rego compile/parse errors). */
export interface BundleError {
  code: string | null;
  message: string | null;
  location: BundleErrorLocation | null;
  /** Free-form `details` as JSON; null when absent. */
  details_json: string | null;
}

/** State of one bundle (also used for `discovery` and the deprecated `bundle`). */
export interface BundleStatus {
  name: string;
  active_revision: string | null;
  last_successful_download: number | null;
  last_successful_activation: number | null;
  last_request: number | null;
  last_successful_request: number | null;
  /** `snapshot` or `delta`. */
  type: string | null;
  size: number | null;
  code: string | null;
  message: string | null;
  http_code: number | null;
  errors: BundleError[];
  /** Numeric bundle metrics (`timer_bundle_request_ns`, ...). Non-numeric entries go to extra_json. */
  metrics: Record<string, number>;
  /** Unknown keys of this bundle object (and non-numeric metrics under `metrics`), JSON; null when none. */
  extra_json: string | null;
}

export interface DecisionLogsStatus {
  code: string | null;
  message: string | null;
  http_code: number | null;
  extra_json: string | null;
}

export interface PluginStatus {
  /** Key in `plugins` (`bundle`, `decision_logs`, custom plugin names). */
  name: string;
  /** `OK`, `NOT_READY`, `ERROR`, `WARN`, ... as sent. */
  state: string;
  message: string | null;
  extra_json: string | null;
}

export type MetricType = 'COUNTER' | 'GAUGE' | 'SUMMARY' | 'UNTYPED' | 'HISTOGRAM' | 'GAUGE_HISTOGRAM';

export interface LabelPair {
  name: string;
  value: string;
}

export interface Quantile {
  quantile: number;
  value: number;
}

export interface SummaryValue {
  sample_count: number;
  sample_sum: number;
  quantiles: Quantile[];
}

/** Buckets as sent: cumulative, without the implicit +Inf bucket. */
export interface Bucket {
  upper_bound: number;
  cumulative_count: number;
}

export interface HistogramValue {
  sample_count: number;
  sample_sum: number;
  buckets: Bucket[];
}

/**
 * One metric of a family. Exactly one of value/summary/histogram is set:
 * `value` for COUNTER, GAUGE, UNTYPED; `summary` for SUMMARY; `histogram` for HISTOGRAM and GAUGE_HISTOGRAM.
 */
export interface Metric {
  /** Sorted by name, so every spelling of the same metric yields the same record. */
  labels: LabelPair[];
  value: number | null;
  summary: SummaryValue | null;
  histogram: HistogramValue | null;
  timestamp_ms: number | null;
  /**
   * When the counter, summary or histogram was created (client_model `created_timestamp`, which OPA
   * writes inside the value holder), epoch micros; null when absent.
   */
  created_timestamp: number | null;
}

/** Canonical client_model MetricFamily, whichever JSON spelling OPA used. */
export interface MetricFamily {
  name: string;
  help: string | null;
  type: MetricType;
  /** client_model `unit` (`bytes`, `seconds`, ...) as sent; null when absent. */
  unit: string | null;
  metrics: Metric[];
}

export interface StatusLabels {
  id: string;
  version: string;
  /** Every other label (`region`, `app`, ...). */
  custom: Record<string, string>;
}

export interface StatusReport extends Envelope {
  /** Partition name exactly as in the URL path (decoded); null for `/status` and `/status/`. */
  partition: string | null;
  client: ClientPlatform;
  labels: StatusLabels;
  /** `bundles`, in the order sent; `name` from the map key when the object lacks it. */
  bundles: BundleStatus[];
  /** The deprecated single `bundle` field (old OPA). */
  legacy_bundle: BundleStatus | null;
  discovery: BundleStatus | null;
  decision_logs: DecisionLogsStatus | null;
  plugins: PluginStatus[];
  /** `metrics.prometheus` as canonical families; plain numbers become UNTYPED families with one unlabelled sample. */
  metric_families: MetricFamily[];
  /** `metrics` providers other than `prometheus`, as a JSON object string; null when none. */
  other_metrics_json: string | null;
  /** Unknown top-level keys, as a JSON object string; null when none. */
  extra_json: string | null;
}

/** The latest known OPA release, as published on the compacted releases topic. */
export interface ReleaseInfo {
  /** Record key on the topic: `latest` or a channel name. */
  channel: string;
  /** Git tag, with `v` (e.g. `v0.19.2`). */
  tag: string;
  /** Release notes URL. */
  release_notes: string;
  /** Base of download links: `${download_base}/${tag}/opa_${os}_${arch}`. */
  download_base: string;
  /** When the release was published, epoch micros; null when unknown. */
  published_at: number | null;
  /** Where the advisor learned it: `github`, `file`, `cli`. */
  source: string;
  /** When the advisor published this record, epoch micros. */
  updated_at: number;
}

/**
 * One GitHub-style version check (`GET /repos/{owner}/{repo}/releases/latest`, OPA 1.7 and later), as the
 * gateway answered it. Its own record, not a TelemetryReport variant: the check carries no instance id,
 * version or platform (OPA sends no body and a generic User-Agent on purpose), so it can only be counted.
 */
export interface VersionCheck extends Envelope {
  /** The `owner/repo` asked for, as served (e.g. `open-policy-agent/opa`). */
  repository: string;
  /** `latest` (`/releases/latest`, what OPA asks) or `list` (`/releases`). */
  endpoint: string;
  /** The raw User-Agent header (`OPA-Version-Checker`), truncated; null when absent. */
  user_agent: string | null;
  /** The release tag the reply named; null when no release was known yet. */
  answered_tag: string | null;
  /** The client's If-None-Match matched: answered 304. */
  not_modified: boolean;
}

/**
 * One decision-log event (an element of the JSON array OPA posts to `/logs[/<partition>]`). Free-form
 * JSON values travel as JSON text; fields this schema does not know yet are kept in `extra_json`.
 */
export interface DecisionEvent extends Envelope {
  /** From `/logs/<partition>`; null for `/logs`. */
  partition: string | null;
  /** The upload's User-Agent, truncated; null when absent. */
  user_agent: string | null;
  decision_id: string;
  /** `labels.id`. */
  instance_id: string;
  /** `labels.version`; null when absent. */
  opa_version: string | null;
  /** Custom labels (all but `id` and `version`). */
  labels: Record<string, string>;
  /** When OPA decided, epoch micros. */
  timestamp: number;
  /** Nanoseconds within the microsecond (0-999). */
  timestamp_nanos: number;
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
  /** Deprecated single-bundle revision. */
  revision: string | null;
  /** Bundle name -> revision. */
  bundles: Record<string, string>;
  metric_names: string[];
  metric_values: number[];
  request_context_json: string | null;
  rule_labels_json: string | null;
  custom_json: string | null;
  extra_json: string | null;
}

/**
 * The valid events of one decision-log upload (or of one slice of it, per instance and at most a record's
 * size): what the gateway writes to the decisions topics, one Kafka record per upload instead of per event.
 */
export interface DecisionBatch {
  /** In the order OPA sent them; never empty. */
  events: DecisionEvent[];
}
