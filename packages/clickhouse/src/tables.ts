// The tables the loaders write, with the Float64 columns that may carry NaN/±Inf.
import type { TableSpec } from './row-encoder';

export const STATUS_TABLE_SPECS: ReadonlyMap<string, TableSpec> = new Map([
  ['bundles', { name: 'bundles', floatColumns: ['metric_values'] }],
  ['plugins', { name: 'plugins' }],
  ['prometheus_samples', { name: 'prometheus_samples', floatColumns: ['value'] }],
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
