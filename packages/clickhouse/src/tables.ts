// The tables the loaders write, with the Float64 columns that may carry NaN/±Inf.
import type { PrometheusSampleRow } from '@opa-fleet/flatten';
import { jsonNumber, type TableSpec } from './row-encoder';

/**
 * prometheus_samples is most of the volume (about 20 rows per report). Its rows repeat the report's
 * key columns, so their JSON is built once per report and reused (the rows of one report arrive
 * together); the rest is assembled by hand. About twice as fast as JSON.stringify per row.
 * Columns at their default (`partition` '', `timestamp_ms` NULL, the common case) are left out:
 * JSONEachRow fills missing keys with the column default, and ClickHouse parses less.
 */
export function createSampleRowEncoder(): (row: object) => string {
  let lastEventId: string | null = null;
  let lastInstance = '';
  let lastUs = -1;
  let lastPartition = '';
  let prefix = '';
  return (r) => {
    const row = r as PrometheusSampleRow;
    if (
      row.event_id !== lastEventId ||
      row.instance_id !== lastInstance ||
      row.received_at_us !== lastUs ||
      row.partition !== lastPartition
    ) {
      lastEventId = row.event_id;
      lastInstance = row.instance_id;
      lastUs = row.received_at_us;
      lastPartition = row.partition;
      prefix =
        `{"event_id":${JSON.stringify(row.event_id)},"received_at":${row.received_at},` +
        `"received_at_us":${row.received_at_us},"instance_id":${JSON.stringify(row.instance_id)},` +
        (row.partition === '' ? '' : `"partition":${JSON.stringify(row.partition)},`) +
        '"seq":';
    }
    return (
      `${prefix}${row.seq},"family":${JSON.stringify(row.family)},"type":${JSON.stringify(row.type)},` +
      `"name":${JSON.stringify(row.name)},"label_names":${JSON.stringify(row.label_names)},` +
      `"label_values":${JSON.stringify(row.label_values)},"value":${jsonNumber(row.value)}` +
      `${row.timestamp_ms === null ? '' : `,"timestamp_ms":${row.timestamp_ms}`}}\n`
    );
  };
}

export const STATUS_TABLE_SPECS: ReadonlyMap<string, TableSpec> = new Map([
  ['bundles', { name: 'bundles', floatColumns: ['metric_values'] }],
  ['plugins', { name: 'plugins' }],
  [
    'prometheus_samples',
    { name: 'prometheus_samples', floatColumns: ['value'], encode: createSampleRowEncoder() },
  ],
  ['status_reports', { name: 'status_reports' }],
]);

export const RELEASES_TABLE = 'releases';

export const TELEMETRY_TABLE_SPECS: ReadonlyMap<string, TableSpec> = new Map([
  ['version_reports', { name: 'version_reports' }],
  [RELEASES_TABLE, { name: RELEASES_TABLE }],
]);

/** Insert order: details first, the report row last, so a visible report has its details. */
export const LOADER_TABLES = [
  'bundles',
  'plugins',
  'prometheus_samples',
  'status_reports',
  'version_reports',
  'releases',
];
