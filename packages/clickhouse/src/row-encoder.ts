// Rows -> JSONEachRow lines. JSON has no NaN or Infinity (JSON.stringify writes null), but
// Prometheus values can be NaN/±Inf; both ClickHouse 18.16 and current ClickHouse read the bare
// tokens NaN, inf and -inf in JSONEachRow. Only the columns declared as floats are checked, so the
// common row takes the fast JSON.stringify path.

import type { RowBinaryWriter } from './row-binary';

export interface TableSpec {
  name: string;
  /** Float64 columns (scalar or array) that may hold NaN or ±Infinity. */
  floatColumns?: readonly string[];
  /** A hand-written encoder for a hot table (one JSONEachRow line, with its newline). */
  encode?: (row: object) => string;
  /** Insert as RowBinary instead of JSONEachRow (the hot table): `write` writes `columns` in order. */
  rowBinary?: RowBinarySpec;
}

export interface RowBinarySpec {
  /** The INSERT's column list, in the order `write` writes them. */
  columns: readonly string[];
  /** Writes one row; throws (RangeError) for a value the column type cannot hold. */
  write: (row: object, out: RowBinaryWriter) => void;
}

const NAN = '\u0000NaN';
const POS_INF = '\u0000inf';
const NEG_INF = '\u0000-inf';

export function encodeRow(row: object, floatColumns: readonly string[] = []): string {
  for (const column of floatColumns) {
    const value = (row as Record<string, unknown>)[column];
    if (typeof value === 'number' ? !Number.isFinite(value) : Array.isArray(value) && !value.every(finite)) {
      return encodeWithNonFinite(row);
    }
  }
  return `${JSON.stringify(row)}\n`;
}

/** A JSON number token, with ClickHouse's bare tokens for NaN and ±Infinity. */
export function jsonNumber(value: number): string {
  if (Number.isFinite(value)) return String(value);
  return Number.isNaN(value) ? 'NaN' : value > 0 ? 'inf' : '-inf';
}

function finite(value: unknown): boolean {
  return typeof value !== 'number' || Number.isFinite(value);
}

function encodeWithNonFinite(row: object): string {
  const json = JSON.stringify(row, (_key, value) => {
    if (typeof value !== 'number' || Number.isFinite(value)) return value;
    return Number.isNaN(value) ? NAN : value > 0 ? POS_INF : NEG_INF;
  });
  return `${json.replace(/"\\u0000(NaN|inf|-inf)"/g, '$1')}\n`;
}
