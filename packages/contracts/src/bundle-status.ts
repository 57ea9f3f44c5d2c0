// One bundle object of a status update (`bundles.<name>`, `discovery`, the deprecated `bundle`) -> BundleStatus.
// Unknown keys and non-numeric entries of `metrics` are kept in extra_json.

import { ContractError } from './contract-error';
import { childPath, indexPath } from './json-path';
import {
  checkMapKey,
  invalidType,
  isObject,
  JsonLeftovers,
  jsonText,
  longerThan,
  optionalCount,
  optionalIntIn,
  optionalString,
  optionalTimestamp,
  requireObject,
  tooMany,
} from './json-value';
import { type Limits, VALUE_RANGES } from './limits';
import type { BundleError, BundleErrorLocation, BundleStatus } from './types';

/** `fallbackName` (the map key, or `bundle`/`discovery`) names the bundle when the object has no `name`. */
export function normalizeBundle(
  value: unknown,
  fallbackName: string,
  path: string,
  limits: Limits,
): BundleStatus {
  const obj = requireObject(value, path);
  let name = fallbackName;
  let activeRevision: string | null = null;
  let lastSuccessfulDownload: number | null = null;
  let lastSuccessfulActivation: number | null = null;
  let lastRequest: number | null = null;
  let lastSuccessfulRequest: number | null = null;
  let type: string | null = null;
  let size: number | null = null;
  let code: string | null = null;
  let message: string | null = null;
  let httpCode: number | null = null;
  let errors: BundleError[] = [];
  let metrics: Record<string, number> = {};
  const extra = new JsonLeftovers();
  const maxText = limits.maxStringLength;
  for (const key in obj) {
    const v = obj[key];
    switch (key) {
      case 'name':
        name = optionalString(v, path, key, limits.maxLabelLength) ?? fallbackName;
        break;
      case 'active_revision':
        activeRevision = optionalString(v, path, key, maxText);
        break;
      case 'last_successful_download':
        lastSuccessfulDownload = optionalTimestamp(v, path, key);
        break;
      case 'last_successful_activation':
        lastSuccessfulActivation = optionalTimestamp(v, path, key);
        break;
      case 'last_request':
        lastRequest = optionalTimestamp(v, path, key);
        break;
      case 'last_successful_request':
        lastSuccessfulRequest = optionalTimestamp(v, path, key);
        break;
      case 'type':
        type = optionalString(v, path, key, limits.maxLabelLength);
        break;
      case 'size':
        size = optionalCount(v, path, key);
        break;
      case 'code':
        code = optionalString(v, path, key, maxText);
        break;
      case 'message':
        message = optionalString(v, path, key, maxText);
        break;
      case 'http_code':
        httpCode = optionalIntIn(v, path, key, 0, VALUE_RANGES.maxHttpCode);
        break;
      case 'errors':
        errors = normalizeErrors(v, childPath(path, key), limits);
        break;
      case 'metrics':
        metrics = normalizeBundleMetrics(v, path, limits, extra);
        break;
      default:
        extra.add(key, v, path);
    }
  }
  if (longerThan(name, limits.maxLabelLength)) throw tooLongName(path, limits);
  return {
    name,
    active_revision: activeRevision,
    last_successful_download: lastSuccessfulDownload,
    last_successful_activation: lastSuccessfulActivation,
    last_request: lastRequest,
    last_successful_request: lastSuccessfulRequest,
    type,
    size,
    code,
    message,
    http_code: httpCode,
    errors,
    metrics,
    extra_json: extra.toJson(childPath(path, 'extra_json'), limits.maxJsonLength),
  };
}

function tooLongName(path: string, limits: Limits): ContractError {
  return new ContractError(
    'LIMIT_EXCEEDED',
    `bundle name longer than ${limits.maxLabelLength} characters`,
    path,
  );
}

function normalizeErrors(value: unknown, path: string, limits: Limits): BundleError[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalidType(path, 'an array of errors', value);
  if (value.length > limits.maxBundleErrors) throw tooMany(path, 'errors', limits.maxBundleErrors);
  const errors: BundleError[] = new Array(value.length);
  for (let i = 0; i < value.length; i++) {
    const itemPath = indexPath(path, i);
    const item = requireObject(value[i], itemPath);
    errors[i] = {
      code: optionalString(item.code, itemPath, 'code', limits.maxStringLength),
      message: optionalString(item.message, itemPath, 'message', limits.maxStringLength),
      location: normalizeLocation(item.location, childPath(itemPath, 'location'), limits),
      details_json: detailsJson(item.details, childPath(itemPath, 'details'), limits),
    };
  }
  return errors;
}

function normalizeLocation(value: unknown, path: string, limits: Limits): BundleErrorLocation | null {
  if (value === undefined || value === null) return null;
  const location = requireObject(value, path);
  return {
    file: optionalString(location.file, path, 'file', limits.maxStringLength),
    row: optionalIntIn(location.row, path, 'row', 0, VALUE_RANGES.maxPosition),
    col: optionalIntIn(location.col, path, 'col', 0, VALUE_RANGES.maxPosition),
  };
}

function detailsJson(value: unknown, path: string, limits: Limits): string | null {
  if (value === undefined || value === null) return null;
  const json = jsonText(value, path);
  if (json.length > limits.maxJsonLength) {
    throw new ContractError('LIMIT_EXCEEDED', `longer than ${limits.maxJsonLength} characters as JSON`, path);
  }
  return json;
}

/** Numeric entries become the typed map; anything else (OPA histograms, ...) goes to extra_json under `metrics`. */
function normalizeBundleMetrics(
  value: unknown,
  bundlePath: string,
  limits: Limits,
  extra: JsonLeftovers,
): Record<string, number> {
  if (value === undefined || value === null) return {};
  const path = childPath(bundlePath, 'metrics');
  if (!isObject(value)) throw invalidType(path, 'an object of metrics', value);
  const metrics: Record<string, number> = {};
  let count = 0;
  let others: Record<string, unknown> | null = null;
  for (const key in value) {
    const v = value[key];
    if (++count > limits.maxBundleMetrics) throw tooMany(path, 'metrics', limits.maxBundleMetrics);
    if (longerThan(key, limits.maxLabelLength)) {
      throw new ContractError(
        'LIMIT_EXCEEDED',
        `metric name longer than ${limits.maxLabelLength} characters`,
        childPath(path, key),
      );
    }
    if (typeof v === 'number') {
      checkMapKey(key, path);
      metrics[key] = v;
    } else if (v !== undefined) {
      others ??= {};
      Object.defineProperty(others, key, { value: v, enumerable: true, writable: true, configurable: true });
    }
  }
  if (others !== null) extra.add('metrics', others, bundlePath);
  return metrics;
}
