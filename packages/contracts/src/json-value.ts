// Typed reads of untrusted JSON values. Each read names the offending value by JSON path, built only when
// it fails (paths are composed from the parent path and the key, so the happy path allocates nothing).

import { ContractError } from './contract-error';
import { childPath } from './json-path';
import { VALUE_RANGES } from './limits';
import { parseTimestamp } from './timestamp';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

export function invalidType(path: string, expected: string, value: unknown): ContractError {
  return new ContractError('INVALID_TYPE', `expected ${expected}, got ${describe(value)}`, path);
}

/** The value at `path` as an object. */
export function requireObject(value: unknown, path: string): JsonObject {
  if (!isObject(value)) throw invalidType(path, 'an object', value);
  return value;
}

/**
 * More than `max` characters? Characters are Unicode code points, as JSON Schema's maxLength counts them
 * (the gateway's API document states these limits), not UTF-16 units; counted only when it can matter.
 */
export function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false;
  if (text.length > 2 * max) return true;
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/** A string of at most `maxLength` characters, or null when absent (undefined or null). */
export function optionalString(
  value: unknown,
  parent: string,
  key: string,
  maxLength: number,
): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidType(childPath(parent, key), 'a string', value);
  if (longerThan(value, maxLength)) throw tooLong(childPath(parent, key), maxLength);
  return value;
}

/** A non-empty string of at most `maxLength` characters. */
export function requiredString(value: unknown, parent: string, key: string, maxLength: number): string {
  if (value === undefined || value === null) {
    throw new ContractError('MISSING_FIELD', 'is required', childPath(parent, key));
  }
  const text = optionalString(value, parent, key, maxLength)!;
  if (text.length === 0)
    throw new ContractError('INVALID_VALUE', 'must not be empty', childPath(parent, key));
  return text;
}

export function tooLong(path: string, maxLength: number): ContractError {
  return new ContractError('LIMIT_EXCEEDED', `longer than ${maxLength} characters`, path);
}

export function tooMany(path: string, what: string, max: number): ContractError {
  return new ContractError('LIMIT_EXCEEDED', `more than ${max} ${what}`, path);
}

const DIGITS = /^\d+$/;

const MAX_LONG = VALUE_RANGES.maxCount;

/**
 * A non-negative integer sent as a JSON number or a decimal string (OPA sends heap_usage_bytes and
 * protobuf-JSON int64 counts as strings); null when absent.
 */
export function optionalCount(value: unknown, parent: string, key: string): number | null {
  if (value === undefined || value === null) return null;
  let n: number;
  if (typeof value === 'number') {
    n = value;
  } else if (typeof value === 'string' && DIGITS.test(value)) {
    n = Number(value);
  } else {
    throw invalidType(childPath(parent, key), 'a non-negative integer (number or decimal string)', value);
  }
  if (!Number.isInteger(n) || n < 0 || n > MAX_LONG) {
    throw new ContractError(
      'INVALID_VALUE',
      `${String(value)} is not an integer in 0..2^53-2`,
      childPath(parent, key),
    );
  }
  return n === 0 ? 0 : n; // -0 is an integer too, but an Avro long has no -0
}

/** An integer in [min, max], as a number or decimal string (`http_code`), or null when absent. */
export function optionalIntIn(
  value: unknown,
  parent: string,
  key: string,
  min: number,
  max: number,
): number | null {
  const n = optionalCount(value, parent, key);
  if (n !== null && (n < min || n > max)) {
    throw new ContractError('INVALID_VALUE', `${n} is outside ${min}..${max}`, childPath(parent, key));
  }
  return n;
}

/**
 * A double written in a string, as protobuf-JSON writes them: a plain decimal (`1.5`, `-2e-7`), `NaN`, an
 * infinity (`Infinity`, `-Infinity`, and Prometheus' `+Inf`, `-Inf`). Nothing looser (no hex, no blanks):
 * the gateway's API document states this very pattern.
 */
export const DOUBLE_TEXT_PATTERN =
  '^(?:NaN|[+-]?Infinity|[+-]Inf|-?[0-9]+(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?)$';
const DOUBLE_TEXT = new RegExp(DOUBLE_TEXT_PATTERN);

/** A double: a JSON number or, in a string, what DOUBLE_TEXT_PATTERN allows. */
export function requiredDouble(value: unknown, parent: string, key: string, fallback: number | null): number {
  if (typeof value === 'number') return value;
  if (value === undefined || value === null) {
    if (fallback !== null) return fallback;
    throw new ContractError('MISSING_FIELD', 'is required', childPath(parent, key));
  }
  if (typeof value === 'string') {
    if (DOUBLE_TEXT.test(value)) {
      if (value === 'NaN') return Number.NaN;
      if (value === '+Inf') return Number.POSITIVE_INFINITY;
      if (value === '-Inf') return Number.NEGATIVE_INFINITY;
      return Number(value);
    }
    throw new ContractError(
      'INVALID_VALUE',
      `${JSON.stringify(value)} is not a number`,
      childPath(parent, key),
    );
  }
  throw invalidType(childPath(parent, key), 'a number', value);
}

/** RFC 3339 timestamp -> epoch micros; null when absent or Go's zero time. */
export function optionalTimestamp(value: unknown, parent: string, key: string): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string')
    throw invalidType(childPath(parent, key), 'an RFC 3339 timestamp string', value);
  const parsed = parseTimestamp(value);
  if (parsed === 'invalid') {
    throw new ContractError(
      'INVALID_VALUE',
      `${JSON.stringify(value.slice(0, 64))} is not an RFC 3339 timestamp`,
      childPath(parent, key),
    );
  }
  if (parsed === 'out_of_range') {
    throw new ContractError(
      'INVALID_VALUE',
      `${value} is outside the supported years (1700..2250)`,
      childPath(parent, key),
    );
  }
  return parsed;
}

/**
 * Collects key/value pairs that have no typed field and serializes them as one JSON object string
 * (written by hand so keys like `__proto__` survive, and values keep their order).
 */
export class JsonLeftovers {
  private parts: string[] | null = null;

  add(key: string, value: unknown, path: string): void {
    if (value === undefined) return;
    const parts = this.parts ?? [];
    this.parts = parts;
    parts.push(`${JSON.stringify(key)}:${jsonText(value, childPath(path, key))}`);
  }

  /** The collected pairs as a JSON object, or null when there were none. */
  toJson(path: string, maxLength: number): string | null {
    if (this.parts === null) return null;
    const json = `{${this.parts.join(',')}}`;
    if (json.length > maxLength) throw tooLong(path, maxLength);
    return json;
  }
}

/** JSON text of a parsed JSON value; a value JSON cannot represent is an INVALID_VALUE. */
export function jsonText(value: unknown, path: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    throw new ContractError('INVALID_VALUE', 'cannot be represented as JSON', path);
  }
  if (text === undefined) throw new ContractError('INVALID_VALUE', 'cannot be represented as JSON', path);
  return text;
}

/** Rejects map keys that a plain JS object cannot hold as data. */
export function checkMapKey(key: string, path: string): void {
  if (key === '__proto__') {
    throw new ContractError('INVALID_VALUE', 'the key __proto__ is reserved', childPath(path, key));
  }
}
