// The tables the loaders write, with the Float64 columns that may carry NaN/±Inf.
import type { DecisionRow, PrometheusSampleRow } from '@opa-fleet/flatten';
import type { RowBinarySpec, TableSpec } from './row-encoder';

/**
 * prometheus_samples as RowBinary, in the column order of schemas/clickhouse/020_prometheus_samples_by_report.sql
 * then the columns 025 added (a unit test holds the two together). Several times cheaper to write than its JSONEachRow line, and
 * cheaper for ClickHouse to read; NaN and ±Inf are plain doubles here.
 */
export const SAMPLE_ROW_BINARY: RowBinarySpec = {
  columns: [
    'event_id',
    'seq',
    'received_at',
    'received_at_us',
    'instance_id',
    'partition',
    'family',
    'type',
    'name',
    'label_names',
    'label_values',
    'value',
    'timestamp_ms',
    'unit',
    'created_timestamp_us',
  ],
  write(r, out) {
    const row = r as PrometheusSampleRow;
    out.string(row.event_id);
    out.uint32(row.seq);
    out.uint32(row.received_at);
    out.uint64(row.received_at_us);
    out.string(row.instance_id);
    out.string(row.partition);
    out.string(row.family);
    out.string(row.type);
    out.string(row.name);
    out.strings(row.label_names);
    out.strings(row.label_values);
    out.float64(row.value);
    out.nullableInt64(row.timestamp_ms);
    out.string(row.unit);
    out.nullableInt64(row.created_timestamp_us);
  },
};

export const STATUS_TABLE_SPECS: ReadonlyMap<string, TableSpec> = new Map([
  ['bundles', { name: 'bundles', floatColumns: ['metric_values'] }],
  ['plugins', { name: 'plugins' }],
  [
    'prometheus_samples',
    { name: 'prometheus_samples', floatColumns: ['value'], rowBinary: SAMPLE_ROW_BINARY },
  ],
  ['status_reports', { name: 'status_reports' }],
]);

export const RELEASES_TABLE = 'releases';

export const TELEMETRY_TABLE_SPECS: ReadonlyMap<string, TableSpec> = new Map([
  ['version_reports', { name: 'version_reports' }],
  ['version_checks', { name: 'version_checks' }],
  [RELEASES_TABLE, { name: RELEASES_TABLE }],
]);

/**
 * decisions as RowBinary. The columns are listed in the order of the DecisionEvent Avro fields they come
 * from (not the table's order: an INSERT names its columns), so the decision-loader can write a row while
 * it reads the Avro record front to back (decision-row-binary.ts); this spec writes the same bytes from a
 * flattened DecisionRow (older records, the benchmark's baseline). A unit test holds the columns and the
 * table together, and the two writers byte for byte.
 */
export const DECISION_ROW_BINARY: RowBinarySpec = {
  columns: [
    'event_id',
    'received_at',
    'received_at_us',
    'gateway_id',
    'partition',
    'user_agent',
    'decision_id',
    'instance_id',
    'opa_version',
    'label_names',
    'label_values',
    'decided_at',
    'decided_at_us',
    'decided_at_nanos',
    'path',
    'query',
    'input_json',
    'result_json',
    'mapped_result_json',
    'intermediate_results_json',
    'nd_builtin_cache_json',
    'erased',
    'masked',
    'error_json',
    'requested_by',
    'req_id',
    'trace_id',
    'span_id',
    'batch_decision_id',
    'revision',
    'bundle_names',
    'bundle_revisions',
    'metric_names',
    'metric_values',
    'request_context_json',
    'rule_labels_json',
    'custom_json',
    'extra_json',
  ],
  write(r, out) {
    const row = r as DecisionRow;
    out.string(row.event_id);
    out.uint32(row.received_at);
    out.uint64(row.received_at_us);
    out.string(row.gateway_id);
    out.string(row.partition);
    out.nullableString(row.user_agent);
    out.string(row.decision_id);
    out.string(row.instance_id);
    out.nullableString(row.opa_version);
    out.strings(row.label_names);
    out.strings(row.label_values);
    out.uint32(row.decided_at);
    out.uint64(row.decided_at_us);
    out.uint16(row.decided_at_nanos);
    out.nullableString(row.path);
    out.nullableString(row.query);
    out.nullableString(row.input_json);
    out.nullableString(row.result_json);
    out.nullableString(row.mapped_result_json);
    out.nullableString(row.intermediate_results_json);
    out.nullableString(row.nd_builtin_cache_json);
    out.strings(row.erased);
    out.strings(row.masked);
    out.nullableString(row.error_json);
    out.nullableString(row.requested_by);
    out.nullableUint64(row.req_id);
    out.nullableString(row.trace_id);
    out.nullableString(row.span_id);
    out.nullableString(row.batch_decision_id);
    out.nullableString(row.revision);
    out.strings(row.bundle_names);
    out.strings(row.bundle_revisions);
    out.strings(row.metric_names);
    out.float64s(row.metric_values);
    out.nullableString(row.request_context_json);
    out.nullableString(row.rule_labels_json);
    out.nullableString(row.custom_json);
    out.nullableString(row.extra_json);
  },
};

export const DECISION_TABLE_SPECS: ReadonlyMap<string, TableSpec> = new Map([
  ['decisions', { name: 'decisions', floatColumns: ['metric_values'], rowBinary: DECISION_ROW_BINARY }],
]);

/** Insert order: details first, the report row last, so a visible report has its details. */
export const LOADER_TABLES = [
  'bundles',
  'plugins',
  'prometheus_samples',
  'status_reports',
  'version_reports',
  'version_checks',
  'releases',
  'decisions',
];
