// The typed parameters of a documented query (`{name:Type}` placeholders in its SQL) and the parsing of a
// request's text values into them. The browser never sends SQL: only values, each checked against the
// type the query file declares before bindQueryParams inlines it.
import { ConsoleError } from './console-error';

/** Integer types with their ranges (UInt64 only up to 2^53 - 1: the value travels as a JS number). */
const INTEGER_RANGES = {
  UInt8: [0, 255],
  UInt16: [0, 65_535],
  UInt32: [0, 4_294_967_295],
  UInt64: [0, Number.MAX_SAFE_INTEGER],
  Int32: [-2_147_483_648, 2_147_483_647],
} as const;

export type ParamType = 'String' | 'DateTime' | keyof typeof INTEGER_RANGES;

export interface QueryParam {
  name: string;
  type: ParamType;
}

/** Longest String value accepted (an instance id is a UUID; nothing documented needs more). */
export const MAX_STRING_PARAM_LENGTH = 256;

const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9()]+)\}/g;

/** The parameters a query's SQL declares, each once, in order of first use. Throws on a type not handled here. */
export function queryParamsOf(sql: string): QueryParam[] {
  const params = new Map<string, QueryParam>();
  for (const [, name, type] of sql.matchAll(PLACEHOLDER)) {
    if (type !== 'String' && type !== 'DateTime' && !(type! in INTEGER_RANGES)) {
      throw new Error(`query parameter ${name} has type ${type}, which the console cannot check`);
    }
    params.set(name!, { name: name!, type: type as ParamType });
  }
  return [...params.values()];
}

/** A request's text value as the parameter's type; ConsoleError INVALID_PARAM when it is not one. */
export function parseParam(param: QueryParam, raw: string): string | number {
  if (param.type === 'String') {
    if (raw.length > MAX_STRING_PARAM_LENGTH) {
      throw new ConsoleError(
        'INVALID_PARAM',
        `${param.name} is longer than ${MAX_STRING_PARAM_LENGTH} characters`,
        param.name,
      );
    }
    return raw;
  }
  if (param.type === 'DateTime') return parseDateTime(param.name, raw);
  const [min, max] = INTEGER_RANGES[param.type];
  const value = /^-?\d{1,16}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConsoleError(
      'INVALID_PARAM',
      `${param.name} must be a ${param.type}: an integer from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 40))}`,
      param.name,
    );
  }
  return value;
}

/**
 * A DateTime as Unix seconds (what bindQueryParams inlines, and ClickHouse compares with a DateTime
 * column), given as seconds or as an ISO 8601 time with its offset (`2026-12-01T10:00:00Z`).
 */
function parseDateTime(name: string, raw: string): number {
  const seconds = /^\d{1,10}$/.test(raw)
    ? Number(raw)
    : /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(raw)
      ? Math.floor(Date.parse(raw) / 1000)
      : Number.NaN;
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > INTEGER_RANGES.UInt32[1]) {
    throw new ConsoleError(
      'INVALID_PARAM',
      `${name} must be a DateTime: Unix seconds or an ISO 8601 time with offset, got ${JSON.stringify(raw.slice(0, 40))}`,
      name,
    );
  }
  return seconds;
}
