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
 * either in `events` (each with an event id from `newEventId`) or in `rejected`. The gateway writes
 * the same events straight into Avro instead (encodeDecisionChunk, decision-batch.ts); both go
 * through readDecisionFields, so they accept and refuse the same events with the same errors.
 */
export function normalizeDecisionChunk(
  body: unknown,
  ctx: Omit<NormalizeContext, 'eventId'>,
  newEventId: () => string,
  options: DecisionNormalizeOptions = {},
): DecisionChunk {
  const chunk: DecisionChunk = { events: [], rejected: [] };
  const fields = new DecisionFields();
  forEachDecisionEvent(
    body,
    ctx,
    options,
    (event, path, userAgent, limits) => {
      const eventId = newEventId();
      readDecisionFields(event, path, limits, options.drop, fields);
      chunk.events.push(decisionEventOf(fields, ctx, eventId, userAgent));
    },
    chunk.rejected,
  );
  return chunk;
}

/**
 * The chunk-level checks (an array, at most maxDecisionEvents) and a call of `visit` per event; a
 * ContractError an event's visit throws puts the event in `rejected` and the next one is visited.
 */
export function forEachDecisionEvent(
  body: unknown,
  ctx: Omit<NormalizeContext, 'eventId'>,
  options: DecisionNormalizeOptions,
  visit: (event: unknown, path: string, userAgent: string | null, limits: Limits) => void,
  rejected: RejectedDecisionEvent[],
): void {
  const limits = resolveLimits(options.limits);
  if (!Array.isArray(body)) throw invalidType(ROOT_PATH, 'a JSON array of decision events', body);
  if (body.length > limits.maxDecisionEvents) {
    throw tooMany(ROOT_PATH, 'decision events in one upload', limits.maxDecisionEvents);
  }
  const userAgent = parseUserAgent(ctx.userAgent, limits.maxStringLength).user_agent;
  for (let index = 0; index < body.length; index++) {
    const event = body[index];
    try {
      visit(event, indexPath(ROOT_PATH, index), userAgent, limits);
    } catch (err) {
      if (!(err instanceof ContractError)) throw err;
      rejected.push({ index, error: err, event });
    }
  }
}

/** A DecisionEvent record of the fields read (copies: `fields` is reused for the next event). */
function decisionEventOf(
  fields: DecisionFields,
  ctx: Omit<NormalizeContext, 'eventId'>,
  eventId: string,
  userAgent: string | null,
): DecisionEvent {
  return {
    event_id: eventId,
    received_at: ctx.receivedAt,
    gateway_id: ctx.gatewayId,
    partition: ctx.partition ?? null,
    user_agent: userAgent,
    decision_id: fields.decision_id,
    instance_id: fields.instance_id,
    opa_version: fields.opa_version,
    labels: mapOf(fields.labelNames, fields.labelValues),
    timestamp: fields.timestamp,
    timestamp_nanos: fields.timestamp_nanos,
    path: fields.path,
    query: fields.query,
    input_json: fields.input_json,
    result_json: fields.result_json,
    mapped_result_json: fields.mapped_result_json,
    intermediate_results_json: fields.intermediate_results_json,
    nd_builtin_cache_json: fields.nd_builtin_cache_json,
    erased: fields.erased.slice(),
    masked: fields.masked.slice(),
    error_json: fields.error_json,
    requested_by: fields.requested_by,
    req_id: fields.req_id,
    trace_id: fields.trace_id,
    span_id: fields.span_id,
    batch_decision_id: fields.batch_decision_id,
    revision: fields.revision,
    bundles: mapOf(fields.bundleNames, fields.bundleRevisions),
    metric_names: fields.metricNames.slice(),
    metric_values: fields.metricValues.slice(),
    request_context_json: fields.request_context_json,
    rule_labels_json: fields.rule_labels_json,
    custom_json: fields.custom_json,
    extra_json: fields.extra_json,
  };
}

function mapOf(keys: readonly string[], values: readonly string[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (let i = 0; i < keys.length; i++) map[keys[i]!] = values[i]!;
  return map;
}

/**
 * One event's fields as read from OPA's JSON, before the envelope: reused from event to event (the
 * writer turns them into Avro bytes with no record object per event). Maps are parallel arrays in the
 * order the event's object iterates (which is also the order a JavaScript object built from them keeps:
 * integer-like keys first, as in the parsed source).
 */
export class DecisionFields {
  decision_id = '';
  instance_id = '';
  opa_version: string | null = null;
  labelNames: string[] = [];
  labelValues: string[] = [];
  timestamp = 0;
  timestamp_nanos = 0;
  path: string | null = null;
  query: string | null = null;
  input_json: string | null = null;
  result_json: string | null = null;
  mapped_result_json: string | null = null;
  intermediate_results_json: string | null = null;
  nd_builtin_cache_json: string | null = null;
  erased: string[] = [];
  masked: string[] = [];
  error_json: string | null = null;
  requested_by: string | null = null;
  req_id: number | null = null;
  trace_id: string | null = null;
  span_id: string | null = null;
  batch_decision_id: string | null = null;
  revision: string | null = null;
  bundleNames: string[] = [];
  bundleRevisions: string[] = [];
  metricNames: string[] = [];
  metricValues: number[] = [];
  request_context_json: string | null = null;
  rule_labels_json: string | null = null;
  custom_json: string | null = null;
  extra_json: string | null = null;

  /** Back to an event with none of the optional fields (an array is emptied only when it holds something: setting length costs). */
  reset(): void {
    this.decision_id = '';
    this.instance_id = '';
    this.opa_version = null;
    if (this.labelNames.length !== 0) this.labelNames.length = 0;
    if (this.labelValues.length !== 0) this.labelValues.length = 0;
    this.timestamp = 0;
    this.timestamp_nanos = 0;
    this.path = null;
    this.query = null;
    this.input_json = null;
    this.result_json = null;
    this.mapped_result_json = null;
    this.intermediate_results_json = null;
    this.nd_builtin_cache_json = null;
    if (this.erased.length !== 0) this.erased.length = 0;
    if (this.masked.length !== 0) this.masked.length = 0;
    this.error_json = null;
    this.requested_by = null;
    this.req_id = null;
    this.trace_id = null;
    this.span_id = null;
    this.batch_decision_id = null;
    this.revision = null;
    if (this.bundleNames.length !== 0) this.bundleNames.length = 0;
    if (this.bundleRevisions.length !== 0) this.bundleRevisions.length = 0;
    if (this.metricNames.length !== 0) this.metricNames.length = 0;
    if (this.metricValues.length !== 0) this.metricValues.length = 0;
    this.request_context_json = null;
    this.rule_labels_json = null;
    this.custom_json = null;
    this.extra_json = null;
  }
}

/**
 * Validates one event and reads it into `fields` (reset first); throws the event's ContractError. The
 * first error in the event's key order wins, then a missing `labels.id`, then a missing `timestamp`.
 */
export function readDecisionFields(
  value: unknown,
  path: string,
  limits: Limits,
  drop: ReadonlySet<DroppableDecisionField> | undefined,
  fields: DecisionFields,
): void {
  fields.reset();
  const event = requireObject(value, path);
  fields.decision_id = requiredString(event.decision_id, path, 'decision_id', limits.maxLabelLength);
  const extra = new JsonLeftovers();
  let sawTimestamp = false;
  for (const key in event) {
    if (drop?.has(key as DroppableDecisionField)) continue;
    const v = event[key];
    switch (key) {
      case 'decision_id':
        break;
      case 'labels':
        readLabels(v, childPath(path, key), fields, limits);
        break;
      case 'timestamp':
        sawTimestamp = true;
        readTimestamp(v, path, fields);
        break;
      case 'path':
      case 'query':
      case 'requested_by':
      case 'trace_id':
      case 'span_id':
      case 'batch_decision_id':
      case 'revision':
        fields[key] = optionalString(v, path, key, limits.maxStringLength);
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
        fields[JSON_FIELDS[key]] = jsonField(v, path, key, limits);
        break;
      case 'erased':
      case 'masked':
        stringList(v, childPath(path, key), limits, fields[key]);
        break;
      case 'req_id':
        fields.req_id = optionalCount(v, path, key);
        break;
      case 'bundles':
        readBundleRevisions(v, childPath(path, key), limits, fields);
        break;
      case 'metrics':
        readMetrics(v, childPath(path, key), fields, limits);
        break;
      default:
        extra.add(key, v, path);
    }
  }
  if (fields.instance_id === '') {
    throw new ContractError('MISSING_FIELD', 'is required', childPath(childPath(path, 'labels'), 'id'));
  }
  if (!sawTimestamp) throw new ContractError('MISSING_FIELD', 'is required', childPath(path, 'timestamp'));
  fields.extra_json = extra.toJson(childPath(path, 'extra_json'), limits.maxDecisionJsonLength);
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

function readLabels(value: unknown, path: string, fields: DecisionFields, limits: Limits): void {
  const labels = requireObject(value, path);
  let count = 0;
  for (const key in labels) {
    const v = labels[key];
    if (v === undefined) continue;
    if (++count > limits.maxLabels) throw tooMany(path, 'labels', limits.maxLabels);
    if (key.length > limits.maxLabelLength) throw tooLong(childPath(path, key), limits.maxLabelLength);
    checkMapKey(key, path);
    if (key === 'id') fields.instance_id = requiredString(v, path, key, limits.maxLabelLength);
    else if (typeof v !== 'string') throw invalidType(childPath(path, key), 'a string', v);
    else if (v.length > limits.maxLabelLength) throw tooLong(childPath(path, key), limits.maxLabelLength);
    else if (key === 'version') fields.opa_version = v;
    else {
      fields.labelNames.push(key);
      fields.labelValues.push(v);
    }
  }
}

function readTimestamp(value: unknown, path: string, fields: DecisionFields): void {
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
  fields.timestamp = micros;
  fields.timestamp_nanos = subMicroNanos(value as string);
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

/** The strings of `value` into `out` (emptied first: a repeated key counts its last value). */
function stringList(value: unknown, path: string, limits: Limits, out: string[]): void {
  if (out.length !== 0) out.length = 0;
  if (value === null || value === undefined) return;
  if (!Array.isArray(value)) throw invalidType(path, 'an array of strings', value);
  if (value.length > limits.maxLabels) throw tooMany(path, 'entries', limits.maxLabels);
  for (let i = 0; i < value.length; i++) {
    const item: unknown = value[i];
    if (typeof item !== 'string') throw invalidType(indexPath(path, i), 'a string', item);
    if (item.length > limits.maxStringLength) throw tooLong(indexPath(path, i), limits.maxStringLength);
    out.push(item);
  }
}

function readBundleRevisions(value: unknown, path: string, limits: Limits, fields: DecisionFields): void {
  if (fields.bundleNames.length !== 0) {
    fields.bundleNames.length = 0;
    fields.bundleRevisions.length = 0;
  }
  if (value === null || value === undefined) return;
  const bundles = requireObject(value, path);
  let count = 0;
  for (const name in bundles) {
    const v = bundles[name];
    if (v === undefined) continue;
    if (++count > limits.maxBundles) throw tooMany(path, 'bundles', limits.maxBundles);
    if (name.length > limits.maxLabelLength) throw tooLong(childPath(path, name), limits.maxLabelLength);
    checkMapKey(name, path);
    const info = requireObject(v, childPath(path, name));
    fields.bundleNames.push(name);
    fields.bundleRevisions.push(
      optionalString(info.revision, childPath(path, name), 'revision', limits.maxStringLength) ?? '',
    );
  }
}

function readMetrics(value: unknown, path: string, fields: DecisionFields, limits: Limits): void {
  if (value === null || value === undefined) return;
  const metrics = requireObject(value, path);
  for (const name in metrics) {
    const v = metrics[name];
    if (v === undefined) continue;
    if (fields.metricNames.length === limits.maxBundleMetrics) {
      throw tooMany(path, 'metrics', limits.maxBundleMetrics);
    }
    if (name.length > limits.maxLabelLength) throw tooLong(childPath(path, name), limits.maxLabelLength);
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalidType(childPath(path, name), 'a number', v);
    fields.metricNames.push(name);
    fields.metricValues.push(v);
  }
}
