// Decision-log upload (`POST /logs[/<partition>]`, a JSON array of events) -> DecisionEvent records.
//
// Policy for a chunk with some invalid events: a malformed chunk (not an array, too many events) is a
// ContractError for the whole upload (the gateway answers 4xx); within a well-formed chunk every event is
// normalized on its own, and an invalid one is returned beside the good ones with its error, so the
// gateway can keep it verbatim in the dead-letter topic and still accept the chunk. Refusing the chunk
// would make OPA requeue it and retry for ever (OPA retries every non-2xx), wedging that OPA's buffer,
// and would lose the valid events with it.

import { ContractError } from './contract-error';
import { childPath, indexPath, ROOT_PATH } from './json-path';
import {
  checkMapKey,
  invalidType,
  JsonLeftovers,
  jsonText,
  optionalCount,
  optionalString,
  optionalTimestamp,
  requiredString,
  requireObject,
  tooLong,
  tooMany,
} from './json-value';
import { type Limits, resolveLimits } from './limits';
import type { NormalizeContext } from './normalize-context';
import type { DecisionEvent } from './types';
import { parseUserAgent } from './user-agent';

/** OPA's event fields a deployment may drop before storage (privacy); the keys of an event stay. */
export const DROPPABLE_DECISION_FIELDS = [
  'input',
  'result',
  'mapped_result',
  'intermediate_results',
  'nd_builtin_cache',
  'requested_by',
  'request_context',
  'custom',
  'error',
  'query',
  'rule_labels',
] as const;
export type DroppableDecisionField = (typeof DROPPABLE_DECISION_FIELDS)[number];

/** OPA's free-form fields and the record fields that keep them as JSON text. */
const JSON_FIELDS = {
  input: 'input_json',
  result: 'result_json',
  mapped_result: 'mapped_result_json',
  intermediate_results: 'intermediate_results_json',
  nd_builtin_cache: 'nd_builtin_cache_json',
  error: 'error_json',
  request_context: 'request_context_json',
  rule_labels: 'rule_labels_json',
  custom: 'custom_json',
} as const;

export interface DecisionNormalizeOptions {
  limits?: Partial<Limits>;
  /** Fields dropped before storage (not kept anywhere, not even in `extra_json`). */
  drop?: ReadonlySet<DroppableDecisionField>;
}

/** An event of a chunk that did not fit the contract: its position, the error and the event as sent. */
export interface RejectedDecisionEvent {
  index: number;
  error: ContractError;
  event: unknown;
}

export interface DecisionChunk {
  events: DecisionEvent[];
  rejected: RejectedDecisionEvent[];
}

/**
 * A whole upload: throws a ContractError when the chunk itself is malformed; otherwise every event is
 * either in `events` (each with an event id from `newEventId`) or in `rejected`.
 */
export function normalizeDecisionChunk(
  body: unknown,
  ctx: Omit<NormalizeContext, 'eventId'>,
  newEventId: () => string,
  options: DecisionNormalizeOptions = {},
): DecisionChunk {
  const limits = resolveLimits(options.limits);
  if (!Array.isArray(body)) throw invalidType(ROOT_PATH, 'a JSON array of decision events', body);
  if (body.length > limits.maxDecisionEvents) {
    throw tooMany(ROOT_PATH, 'decision events in one upload', limits.maxDecisionEvents);
  }
  const chunk: DecisionChunk = { events: [], rejected: [] };
  const userAgent = parseUserAgent(ctx.userAgent, limits.maxStringLength).user_agent;
  for (let index = 0; index < body.length; index++) {
    const event = body[index];
    try {
      chunk.events.push(
        decisionEventOf(event, indexPath(ROOT_PATH, index), ctx, newEventId(), userAgent, limits, options),
      );
    } catch (err) {
      if (!(err instanceof ContractError)) throw err;
      chunk.rejected.push({ index, error: err, event });
    }
  }
  return chunk;
}

function decisionEventOf(
  value: unknown,
  path: string,
  ctx: Omit<NormalizeContext, 'eventId'>,
  eventId: string,
  userAgent: string | null,
  limits: Limits,
  options: DecisionNormalizeOptions,
): DecisionEvent {
  const event = requireObject(value, path);
  const drop = options.drop;
  const record: DecisionEvent = {
    event_id: eventId,
    received_at: ctx.receivedAt,
    gateway_id: ctx.gatewayId,
    partition: ctx.partition ?? null,
    user_agent: userAgent,
    decision_id: requiredString(event.decision_id, path, 'decision_id', limits.maxLabelLength),
    instance_id: '',
    opa_version: null,
    labels: {},
    timestamp: 0,
    timestamp_nanos: 0,
    path: null,
    query: null,
    input_json: null,
    result_json: null,
    mapped_result_json: null,
    intermediate_results_json: null,
    nd_builtin_cache_json: null,
    erased: [],
    masked: [],
    error_json: null,
    requested_by: null,
    req_id: null,
    trace_id: null,
    span_id: null,
    batch_decision_id: null,
    revision: null,
    bundles: {},
    metric_names: [],
    metric_values: [],
    request_context_json: null,
    rule_labels_json: null,
    custom_json: null,
    extra_json: null,
  };
  const extra = new JsonLeftovers();
  let sawTimestamp = false;
  for (const key in event) {
    if (drop?.has(key as DroppableDecisionField)) continue;
    const v = event[key];
    switch (key) {
      case 'decision_id':
        break;
      case 'labels':
        readLabels(v, childPath(path, key), record, limits);
        break;
      case 'timestamp':
        sawTimestamp = true;
        readTimestamp(v, path, record);
        break;
      case 'path':
      case 'query':
      case 'requested_by':
      case 'trace_id':
      case 'span_id':
      case 'batch_decision_id':
      case 'revision':
        record[key] = optionalString(v, path, key, limits.maxStringLength);
        break;
      case 'input':
      case 'result':
      case 'mapped_result':
      case 'intermediate_results':
      case 'nd_builtin_cache':
      case 'error':
      case 'request_context':
      case 'rule_labels':
      case 'custom':
        record[JSON_FIELDS[key]] = jsonField(v, path, key, limits);
        break;
      case 'erased':
      case 'masked':
        record[key] = stringList(v, childPath(path, key), limits);
        break;
      case 'req_id':
        record.req_id = optionalCount(v, path, key);
        break;
      case 'bundles':
        record.bundles = bundleRevisions(v, childPath(path, key), limits);
        break;
      case 'metrics':
        readMetrics(v, childPath(path, key), record, limits);
        break;
      default:
        extra.add(key, v, path);
    }
  }
  if (record.instance_id === '') {
    throw new ContractError('MISSING_FIELD', 'is required', childPath(childPath(path, 'labels'), 'id'));
  }
  if (!sawTimestamp) throw new ContractError('MISSING_FIELD', 'is required', childPath(path, 'timestamp'));
  record.extra_json = extra.toJson(childPath(path, 'extra_json'), limits.maxDecisionJsonLength);
  return record;
}

/**
 * A free-form field as JSON text (null when absent), at most maxDecisionJsonLength long. A module function,
 * not a closure per event: closures made per event showed in the gateway's profile.
 */
function jsonField(value: unknown, path: string, key: string, limits: Limits): string | null {
  if (value === undefined || value === null) return null;
  const encoded = jsonText(value, childPath(path, key));
  if (encoded.length > limits.maxDecisionJsonLength) {
    throw tooLong(childPath(path, key), limits.maxDecisionJsonLength);
  }
  return encoded;
}

function readLabels(value: unknown, path: string, record: DecisionEvent, limits: Limits): void {
  const labels = requireObject(value, path);
  let count = 0;
  for (const key in labels) {
    const v = labels[key];
    if (v === undefined) continue;
    if (++count > limits.maxLabels) throw tooMany(path, 'labels', limits.maxLabels);
    if (key.length > limits.maxLabelLength) throw tooLong(childPath(path, key), limits.maxLabelLength);
    checkMapKey(key, path);
    if (key === 'id') record.instance_id = requiredString(v, path, key, limits.maxLabelLength);
    else if (typeof v !== 'string') throw invalidType(childPath(path, key), 'a string', v);
    else if (v.length > limits.maxLabelLength) throw tooLong(childPath(path, key), limits.maxLabelLength);
    else if (key === 'version') record.opa_version = v;
    else record.labels[key] = v;
  }
}

function readTimestamp(value: unknown, path: string, record: DecisionEvent): void {
  const micros = optionalTimestamp(value, path, 'timestamp');
  // Go's zero time (or null) cannot place a decision in time, and it partitions the table.
  if (micros === null) {
    throw new ContractError(
      'INVALID_VALUE',
      'must be a real time, not empty or zero',
      childPath(path, 'timestamp'),
    );
  }
  // The decisions table keeps the time as DateTime (seconds in a UInt32): a decision outside 1970-2106
  // cannot be stored, and the loader writes a whole upload as one record, so it is refused here, alone.
  if (micros < 0 || micros >= DATETIME_END_MICROS) {
    throw new ContractError(
      'INVALID_VALUE',
      'must be from 1970 to 2106 (the range the decisions table stores)',
      childPath(path, 'timestamp'),
    );
  }
  record.timestamp = micros;
  record.timestamp_nanos = subMicroNanos(value as string);
}

/** The first microsecond a ClickHouse DateTime (UInt32 seconds) cannot hold: 2106-02-07T06:28:16Z. */
const DATETIME_END_MICROS = 2 ** 32 * 1_000_000;

/** Digits 7-9 of the fraction of seconds (`.123456789` -> 789), 0 when not sent. */
function subMicroNanos(text: string): number {
  const dot = text.indexOf('.', 19);
  if (dot === -1) return 0;
  let nanos = 0;
  for (let i = dot + 7; i < dot + 10; i++) {
    const d = text.charCodeAt(i) - 48;
    nanos = nanos * 10 + (d >= 0 && d <= 9 ? d : 0);
  }
  return nanos;
}

function stringList(value: unknown, path: string, limits: Limits): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw invalidType(path, 'an array of strings', value);
  if (value.length > limits.maxLabels) throw tooMany(path, 'entries', limits.maxLabels);
  return value.map((item, i) => {
    if (typeof item !== 'string') throw invalidType(indexPath(path, i), 'a string', item);
    if (item.length > limits.maxStringLength) throw tooLong(indexPath(path, i), limits.maxStringLength);
    return item;
  });
}

function bundleRevisions(value: unknown, path: string, limits: Limits): Record<string, string> {
  if (value === null || value === undefined) return {};
  const bundles = requireObject(value, path);
  const revisions: Record<string, string> = {};
  let count = 0;
  for (const name in bundles) {
    const v = bundles[name];
    if (v === undefined) continue;
    if (++count > limits.maxBundles) throw tooMany(path, 'bundles', limits.maxBundles);
    if (name.length > limits.maxLabelLength) throw tooLong(childPath(path, name), limits.maxLabelLength);
    checkMapKey(name, path);
    const info = requireObject(v, childPath(path, name));
    revisions[name] =
      optionalString(info.revision, childPath(path, name), 'revision', limits.maxStringLength) ?? '';
  }
  return revisions;
}

function readMetrics(value: unknown, path: string, record: DecisionEvent, limits: Limits): void {
  if (value === null || value === undefined) return;
  const metrics = requireObject(value, path);
  for (const name in metrics) {
    const v = metrics[name];
    if (v === undefined) continue;
    if (record.metric_names.length === limits.maxBundleMetrics) {
      throw tooMany(path, 'metrics', limits.maxBundleMetrics);
    }
    if (name.length > limits.maxLabelLength) throw tooLong(childPath(path, name), limits.maxLabelLength);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidType(childPath(path, name), 'a number', v);
    record.metric_names.push(name);
    record.metric_values.push(v);
  }
}
