// The tables the loaders write, with the Float64 columns that may carry NaN/±Inf.
import type { PrometheusSampleRow } from '@opa-fleet/flatten';
import type { RowBinarySpec, TableSpec } from './row-encoder';

/**
 * prometheus_samples as RowBinary, in the column order of schemas/clickhouse/004_prometheus_samples.sql
 * (a unit test holds the two together). Several times cheaper to write than its JSONEachRow line, and
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

export const DECISION_TABLE_SPECS: ReadonlyMap<string, TableSpec> = new Map([
  ['decisions', { name: 'decisions', floatColumns: ['metric_values'] }],
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
