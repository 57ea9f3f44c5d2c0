// `metrics.prometheus` -> canonical MetricFamily[], whichever way OPA wrote it:
// - an array of families, or an object keyed by family name that may also hold plain numbers
//   (OPA's own `counter_*` values, kept as UNTYPED families with one unlabelled metric);
// - each family in Go encoding/json spelling (snake_case, numeric `type` 0..5, int64 as numbers) or
//   protobuf-JSON spelling (camelCase, `type` as the enum name, int64 as strings, NaN/Infinity as strings).
// Labels are sorted by name so every spelling of the same metric gives the same record.
// Kept from client_model beyond the values: the family's `unit` (the same key in both spellings) and the
// created timestamp of a counter, summary or histogram, which sits in the value holder: protobuf-JSON
// `createdTimestamp` (RFC 3339, as OPA v1.x sends it) or Go-JSON `created_timestamp` ({seconds, nanos},
// encoding/json of a protobuf Timestamp).

import { ContractError } from './contract-error';
import { childPath, indexPath } from './json-path';
import {
  invalidType,
  isObject,
  type JsonObject,
  longerThan,
  optionalCount,
  optionalIntIn,
  optionalString,
  optionalTimestamp,
  requiredDouble,
  requireObject,
  tooMany,
} from './json-value';
import type { Limits } from './limits';
import { parseTimestamp } from './timestamp';
import type { HistogramValue, LabelPair, Metric, MetricFamily, MetricType, SummaryValue } from './types';

const TYPE_BY_NUMBER: readonly MetricType[] = [
  'COUNTER',
  'GAUGE',
  'SUMMARY',
  'UNTYPED',
  'HISTOGRAM',
  'GAUGE_HISTOGRAM',
];
const TYPE_NAMES = new Set<string>(TYPE_BY_NUMBER);

/** Running count of flattened samples, shared by every family of one report. */
interface SampleBudget {
  used: number;
}

export function normalizePrometheus(value: unknown, path: string, limits: Limits): MetricFamily[] {
  const budget: SampleBudget = { used: 0 };
  const families: MetricFamily[] = [];
  if (Array.isArray(value)) {
    if (value.length > limits.maxMetricFamilies)
      throw tooMany(path, 'metric families', limits.maxMetricFamilies);
    for (let i = 0; i < value.length; i++) {
      const familyPath = indexPath(path, i);
      families.push(normalizeFamily(requireObject(value[i], familyPath), null, familyPath, limits, budget));
    }
    return families;
  }
  const byName = requireObject(value, path);
  for (const key in byName) {
    const entry = byName[key];
    if (entry === undefined) continue;
    if (families.length === limits.maxMetricFamilies) {
      throw tooMany(path, 'metric families', limits.maxMetricFamilies);
    }
    const familyPath = childPath(path, key);
    // The key is the family's name as OPA writes it: held to the name's rules even where `name` repeats it.
    checkName(key, familyPath, limits);
    if (typeof entry === 'number') {
      families.push(plainNumberFamily(key, entry, familyPath, limits, budget));
    } else if (isObject(entry)) {
      families.push(normalizeFamily(entry, key, familyPath, limits, budget));
    } else {
      throw invalidType(familyPath, 'a metric family object or a number', entry);
    }
  }
  return families;
}

function plainNumberFamily(
  name: string,
  value: number,
  path: string,
  limits: Limits,
  budget: SampleBudget,
): MetricFamily {
  checkName(name, path, limits);
  spend(budget, 1, path, limits);
  return {
    name,
    help: null,
    type: 'UNTYPED',
    unit: null,
    metrics: [
      { labels: [], value, summary: null, histogram: null, timestamp_ms: null, created_timestamp: null },
    ],
  };
}

function checkName(name: string, path: string, limits: Limits): void {
  if (name.length === 0) throw new ContractError('INVALID_VALUE', 'metric name must not be empty', path);
  if (longerThan(name, limits.maxLabelLength)) {
    throw new ContractError(
      'LIMIT_EXCEEDED',
      `metric name longer than ${limits.maxLabelLength} characters`,
      path,
    );
  }
}

function spend(budget: SampleBudget, samples: number, path: string, limits: Limits): void {
  budget.used += samples;
  if (budget.used > limits.maxSamples) throw tooMany(path, 'samples in the report', limits.maxSamples);
}

function familyType(family: JsonObject, path: string): MetricType | null {
  const type = family.type;
  if (type === undefined || type === null) return null;
  if (typeof type === 'number') {
    const named = TYPE_BY_NUMBER[type];
    if (named !== undefined && Number.isInteger(type)) return named;
  } else if (typeof type === 'string') {
    if (TYPE_NAMES.has(type)) return type as MetricType;
  } else {
    throw invalidType(childPath(path, 'type'), 'a metric type (0..5 or its name)', type);
  }
  throw new ContractError(
    'INVALID_VALUE',
    `unknown metric type ${JSON.stringify(type)}`,
    childPath(path, 'type'),
  );
}

/** Without `type`, the first metric's value field tells it (proto2 would default to COUNTER). */
function inferType(metrics: unknown): MetricType {
  const first = Array.isArray(metrics) ? metrics[0] : undefined;
  if (isObject(first)) {
    if (first.counter !== undefined) return 'COUNTER';
    if (first.gauge !== undefined) return 'GAUGE';
    if (first.summary !== undefined) return 'SUMMARY';
    if (first.histogram !== undefined) return 'HISTOGRAM';
  }
  return 'UNTYPED';
}

function normalizeFamily(
  family: JsonObject,
  key: string | null,
  path: string,
  limits: Limits,
  budget: SampleBudget,
): MetricFamily {
  const sentName = optionalString(family.name, path, 'name', limits.maxLabelLength);
  const name = sentName ?? key;
  if (name === null) throw new ContractError('MISSING_FIELD', 'is required', childPath(path, 'name'));
  checkName(name, sentName === null ? path : childPath(path, 'name'), limits);
  const help = optionalString(family.help, path, 'help', limits.maxStringLength);
  const unit = optionalString(family.unit, path, 'unit', limits.maxLabelLength);
  const rawMetrics = family.metric;
  const type = familyType(family, path) ?? inferType(rawMetrics);
  const metrics: Metric[] = [];
  if (rawMetrics !== undefined && rawMetrics !== null) {
    const metricsPath = childPath(path, 'metric');
    if (!Array.isArray(rawMetrics)) throw invalidType(metricsPath, 'an array of metrics', rawMetrics);
    for (let i = 0; i < rawMetrics.length; i++) {
      const metricPath = indexPath(metricsPath, i);
      metrics.push(
        normalizeMetric(requireObject(rawMetrics[i], metricPath), type, metricPath, limits, budget),
      );
    }
  }
  return { name, help, type, unit, metrics };
}

function normalizeMetric(
  metric: JsonObject,
  type: MetricType,
  path: string,
  limits: Limits,
  budget: SampleBudget,
): Metric {
  const labels = normalizeLabels(metric.label, path, limits);
  const camelTimestamp = metric.timestampMs;
  const snakeTimestamp = metric.timestamp_ms;
  if (camelTimestamp !== undefined && snakeTimestamp !== undefined)
    bothSpellings('timestamp_ms', 'timestampMs', path);
  const timestamp =
    camelTimestamp === undefined
      ? optionalCount(snakeTimestamp, path, 'timestamp_ms')
      : optionalCount(camelTimestamp, path, 'timestampMs');
  let value: number | null = null;
  let summary: SummaryValue | null = null;
  let histogram: HistogramValue | null = null;
  let created: number | null = null;
  switch (type) {
    case 'COUNTER':
    case 'GAUGE':
    case 'UNTYPED': {
      const field = type === 'COUNTER' ? 'counter' : type === 'GAUGE' ? 'gauge' : 'untyped';
      const holder = metric[field];
      if (holder === undefined || holder === null) {
        throw new ContractError('MISSING_FIELD', `a ${type} metric needs "${field}"`, childPath(path, field));
      }
      // proto2 semantics: an unset value is 0. The holder's path is built only when something is wrong
      // with it (a real report has hundreds of these).
      const raw = isObject(holder) ? holder.value : undefined;
      value =
        typeof raw === 'number'
          ? raw
          : requiredDouble(
              requireObject(holder, childPath(path, field)).value,
              childPath(path, field),
              'value',
              0,
            );
      // An object by now: requireObject above refused anything else.
      created = createdTimestamp(holder as JsonObject, path, field);
      spend(budget, 1, path, limits);
      break;
    }
    case 'SUMMARY': {
      const holder = metric.summary;
      if (holder === undefined || holder === null) {
        throw new ContractError(
          'MISSING_FIELD',
          'a SUMMARY metric needs "summary"',
          childPath(path, 'summary'),
        );
      }
      const holderObject = requireObject(holder, childPath(path, 'summary'));
      summary = normalizeSummary(holderObject, childPath(path, 'summary'));
      created = createdTimestamp(holderObject, path, 'summary');
      spend(budget, summary.quantiles.length + 2, path, limits);
      break;
    }
    default: {
      const holder = metric.histogram;
      if (holder === undefined || holder === null) {
        throw new ContractError(
          'MISSING_FIELD',
          `a ${type} metric needs "histogram"`,
          childPath(path, 'histogram'),
        );
      }
      const holderPath = childPath(path, 'histogram');
      const holderObject = requireObject(holder, holderPath);
      histogram = normalizeHistogram(holderObject, holderPath);
      created = createdTimestamp(holderObject, path, 'histogram');
      spend(budget, histogram.buckets.length + 3, path, limits);
    }
  }
  return { labels, value, summary, histogram, timestamp_ms: timestamp, created_timestamp: created };
}

/** Epoch seconds past which epoch micros are no longer safe integers to carry (the year 2250, as parseTimestamp). */
export const MAX_CREATED_SECONDS = Date.UTC(2251, 0, 1) / 1000 - 1;
/** Go's zero time (0001-01-01T00:00:00Z) in epoch seconds: a Timestamp made from time.Time{}, "never". */
export const GO_ZERO_SECONDS = -62_135_596_800;

/**
 * The created timestamp in a metric's value holder, epoch micros; null when absent or Go's zero time.
 * `metricPath` and `field` name the holder; paths are built only for an error (the counter loop is hot).
 */
function createdTimestamp(holder: JsonObject, metricPath: string, field: string): number | null {
  const camel = holder.createdTimestamp;
  const snake = holder.created_timestamp;
  if (camel === undefined) {
    if (snake === undefined) return null;
  } else if (typeof camel === 'string' && snake === undefined) {
    // What OPA sends (82 per real report): RFC 3339 in protobuf-JSON. No closure or array here: under
    // tsx every closure made costs a defineProperty, which made this a third of the normalization's time.
    const parsed = parseTimestamp(camel);
    if (typeof parsed === 'number' || parsed === null) return parsed;
  }
  return createdTimestampOtherwise(camel, snake, childPath(metricPath, field));
}

/** The created timestamp's other forms and errors, off the hot path. */
function createdTimestampOtherwise(camel: unknown, snake: unknown, holderPath: string): number | null {
  if (camel !== undefined && snake !== undefined)
    bothSpellings('created_timestamp', 'createdTimestamp', holderPath);
  const key = camel === undefined ? 'created_timestamp' : 'createdTimestamp';
  const value = camel === undefined ? snake : camel;
  if (value === null) return null;
  if (typeof value === 'string') return optionalTimestamp(value, holderPath, key);
  if (isObject(value)) return timestampObject(value, childPath(holderPath, key));
  throw invalidType(
    childPath(holderPath, key),
    'an RFC 3339 timestamp string or a {seconds, nanos} object',
    value,
  );
}

/**
 * A protobuf Timestamp as Go's encoding/json writes it: `{"seconds": 1796114166, "nanos": 126986250}`
 * (int64 seconds may come as a string); Go's zero second is "never", whatever its nanos.
 */
function timestampObject(value: JsonObject, path: string): number | null {
  for (const key in value) {
    if (key !== 'seconds' && key !== 'nanos')
      throw new ContractError(
        'INVALID_VALUE',
        'a Timestamp has only seconds and nanos',
        childPath(path, key),
      );
  }
  const rawSeconds = value.seconds;
  if (rawSeconds === GO_ZERO_SECONDS || rawSeconds === String(GO_ZERO_SECONDS)) return null;
  const seconds = optionalIntIn(rawSeconds, path, 'seconds', 0, MAX_CREATED_SECONDS) ?? 0;
  const nanos = optionalIntIn(value.nanos, path, 'nanos', 0, 999_999_999) ?? 0;
  return seconds * 1_000_000 + Math.floor(nanos / 1000);
}

function normalizeLabels(raw: unknown, path: string, limits: Limits): LabelPair[] {
  if (raw === undefined || raw === null) return [];
  const labelsPath = childPath(path, 'label');
  if (!Array.isArray(raw)) throw invalidType(labelsPath, 'an array of labels', raw);
  if (raw.length > limits.maxMetricLabels) throw tooMany(labelsPath, 'labels', limits.maxMetricLabels);
  const labels: LabelPair[] = new Array(raw.length);
  let sorted = true;
  for (let i = 0; i < raw.length; i++) {
    const labelPath = indexPath(labelsPath, i);
    const label = requireObject(raw[i], labelPath);
    const name = optionalString(label.name, labelPath, 'name', limits.maxLabelLength);
    if (name === null) throw new ContractError('MISSING_FIELD', 'is required', childPath(labelPath, 'name'));
    const value = optionalString(label.value, labelPath, 'value', limits.maxLabelLength) ?? '';
    labels[i] = { name, value };
    if (i > 0 && labels[i - 1]!.name > name) sorted = false;
  }
  if (!sorted) labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return labels;
}

function normalizeSummary(summary: JsonObject, path: string): SummaryValue {
  const rawQuantiles = summary.quantile;
  const quantiles: SummaryValue['quantiles'] = [];
  if (rawQuantiles !== undefined && rawQuantiles !== null) {
    const listPath = childPath(path, 'quantile');
    if (!Array.isArray(rawQuantiles)) throw invalidType(listPath, 'an array of quantiles', rawQuantiles);
    for (let i = 0; i < rawQuantiles.length; i++) {
      const itemPath = indexPath(listPath, i);
      const q = requireObject(rawQuantiles[i], itemPath);
      quantiles.push({
        quantile: requiredDouble(q.quantile, itemPath, 'quantile', 0),
        value: requiredDouble(q.value, itemPath, 'value', 0),
      });
    }
  }
  return {
    sample_count: sampleCount(summary, path),
    sample_sum: sampleSum(summary, path),
    quantiles,
  };
}

function normalizeHistogram(histogram: JsonObject, path: string): HistogramValue {
  const rawBuckets = histogram.bucket;
  const buckets: HistogramValue['buckets'] = [];
  if (rawBuckets !== undefined && rawBuckets !== null) {
    const listPath = childPath(path, 'bucket');
    if (!Array.isArray(rawBuckets)) throw invalidType(listPath, 'an array of buckets', rawBuckets);
    for (let i = 0; i < rawBuckets.length; i++) {
      const itemPath = indexPath(listPath, i);
      const b = requireObject(rawBuckets[i], itemPath);
      // Named reads, not spelled(): a bucket per sample makes this the hottest loop of a real report.
      const camelBound = b.upperBound;
      const snakeBound = b.upper_bound;
      const camelCount = b.cumulativeCount;
      const snakeCount = b.cumulative_count;
      if (camelBound !== undefined && snakeBound !== undefined)
        bothSpellings('upper_bound', 'upperBound', itemPath);
      if (camelCount !== undefined && snakeCount !== undefined)
        bothSpellings('cumulative_count', 'cumulativeCount', itemPath);
      buckets.push({
        upper_bound:
          camelBound === undefined
            ? requiredDouble(snakeBound, itemPath, 'upper_bound', 0)
            : requiredDouble(camelBound, itemPath, 'upperBound', 0),
        cumulative_count:
          (camelCount === undefined
            ? optionalCount(snakeCount, itemPath, 'cumulative_count')
            : optionalCount(camelCount, itemPath, 'cumulativeCount')) ?? 0,
      });
    }
  }
  return {
    sample_count: sampleCount(histogram, path),
    sample_sum: sampleSum(histogram, path),
    buckets,
  };
}

function sampleCount(holder: JsonObject, path: string): number {
  const key = spelled(holder, 'sample_count', 'sampleCount', path);
  return optionalCount(holder[key], path, key) ?? 0;
}

function sampleSum(holder: JsonObject, path: string): number {
  const key = spelled(holder, 'sample_sum', 'sampleSum', path);
  return requiredDouble(holder[key], path, key, 0);
}

/**
 * Which spelling of a field the object uses: Go-JSON snake_case or protobuf-JSON camelCase. Both at once
 * is refused: no OPA writes that, and which one counts would be a guess.
 */
function spelled(holder: JsonObject, snake: string, camel: string, path: string): string {
  if (holder[camel] === undefined) return snake;
  if (holder[snake] === undefined) return camel;
  return bothSpellings(snake, camel, path);
}

function bothSpellings(snake: string, camel: string, path: string): never {
  throw new ContractError(
    'INVALID_VALUE',
    `both ${snake} and ${camel} are set; send one`,
    childPath(path, camel),
  );
}
