// The valid events of one decision-log upload -> DecisionBatch records (`decision-batch.v<N>.avsc`), and
// any decisions record back -> its events.
//
// Why a record per upload and not per event: a 32 KB chunk from OPA holds about 500 events, and a Kafka
// record per event cost the gateway most of its CPU in kafkajs (per-record encoding, CRCs, promises) and
// the decision-loader a transform per event. A batch keeps every event whole (a DecisionEvent, exactly
// `decision-event.v1`'s record, a check holds the two together), so nothing OPA sends is lost.
//
// Records stay well under Kafka's per-record-batch limit (the broker's `message.max.bytes`, 1 MiB by
// default): an upload's events are cut into slices of at most `maxBytes` encoded bytes; a single event
// larger than that travels alone. Slices are cut per instance (`labels.id`, the record key): a real OPA
// sends only its own events, so one upload is one record; a chunk mixing instances (a relay) gets a
// record per instance, each on its instance's Kafka partition, in the order sent.
//
// Encoding writes each event once, straight into one scratch buffer, and frames the slices around those
// bytes (an Avro array block: count, items, 0): no event is encoded twice to find where to cut.
//
// The gateway's path, encodeDecisionChunk, goes from OPA's parsed JSON array to these records in one pass
// per event: readDecisionFields validates the event into reused fields and writeDecisionEvent writes them
// as DecisionEvent bytes by hand (avro-writer.ts), with no record object and no avsc encode per event
// (normalize + avsc encode cost about 10 µs per event, the writer a fraction; profiled on the decisions
// benchmark). Its bytes are those of normalizeDecisionChunk + encodeDecisionBatches (a property test holds
// them together); a newer DecisionEvent schema without a matching writer takes that general path instead.

import type avro from 'avsc';
import { createAvroType } from './avro-type';
import { AvroWriter } from './avro-writer';
import { parsingCanonicalForm } from './canonical-form';
import { decisionBatchCodec, decisionCodec } from './codecs';
import { ContractError } from './contract-error';
import { fingerprintBytes } from './crc64-avro';
import type { NormalizeContext } from './normalize-context';
import {
  DecisionFields,
  type DecisionNormalizeOptions,
  forEachDecisionEvent,
  normalizeDecisionChunk,
  type RejectedDecisionEvent,
  readDecisionFields,
} from './normalize-decision';
import { schemaVersionsOf } from './schema-catalog';
import type { DecisionEvent } from './types';

/** Default bound on one DecisionBatch record: half of Kafka's default 1 MiB, room for headers and batch overhead. */
export const DEFAULT_DECISION_RECORD_BYTES = 512 * 1024;

/** One DecisionBatch record as the gateway produces it. */
export interface EncodedDecisionBatch {
  /** The instance id of its events: the record key. */
  key: string;
  /** Single-object encoded DecisionBatch. */
  value: Buffer;
  /** Events in it. */
  events: number;
}

const HEADER_LENGTH = 10;
const newestBatch = schemaVersionsOf('decision-batch').at(-1)!;
const batchSchema = newestBatch.schema as { fields: { name: string; type: { items: unknown } }[] };
const eventType: avro.Type = createAvroType(batchSchema.fields[0]!.type.items);
const header = Buffer.concat([
  Buffer.from([0xc3, 0x01]),
  fingerprintBytes(parsingCanonicalForm(batchSchema)),
]);

let scratch = Buffer.allocUnsafe(1024 * 1024);

/** The fingerprint of the DecisionBatch schema the gateway writes (8 bytes, as on the wire). */
export const DECISION_BATCH_FINGERPRINT: Buffer = header.subarray(2);

/** The fields of the DecisionEvent inside the newest DecisionBatch, in order (for byte-level readers). */
export const DECISION_BATCH_FIELDS: readonly string[] = (
  batchSchema.fields[0]!.type.items as { fields: { name: string }[] }
).fields.map((f) => f.name);

/**
 * The events as DecisionBatch records of at most `maxBytes` bytes each (a lone larger event excepted),
 * grouped by instance id in the order of each instance's first event. Throws ContractError INVALID_VALUE
 * for an event that does not fit the schema (normalized events always do).
 */
export function encodeDecisionBatches(
  events: readonly DecisionEvent[],
  maxBytes: number = DEFAULT_DECISION_RECORD_BYTES,
): EncodedDecisionBatch[] {
  const batches: EncodedDecisionBatch[] = [];
  for (const [key, group] of byInstance(events)) {
    // Every event of the group, encoded back to back; ends[i] is where event i ends.
    const ends = encodeAll(group);
    let from = 0;
    let start = 0;
    for (let i = 0; i < group.length; i++) {
      const end = ends[i]!;
      if (i > from && end - start > maxBytes - HEADER_LENGTH - 12) {
        batches.push(frame(key, start, ends[i - 1]!, i - from));
        from = i;
        start = ends[i - 1]!;
      }
    }
    batches.push(frame(key, start, ends[group.length - 1]!, group.length - from));
  }
  return batches;
}

/**
 * The events of a record from a decisions topic: a DecisionBatch of any kept version, or a single
 * DecisionEvent (what gateways wrote before DecisionBatch, still readable while such records are on the
 * topics). Throws ContractError UNKNOWN_SCHEMA or CORRUPT_RECORD, as the codecs do.
 */
export function decisionEventsOf(value: Buffer): DecisionEvent[] {
  try {
    return decisionBatchCodec.decode(value).events;
  } catch (err) {
    if (!(err instanceof ContractError) || err.code !== 'UNKNOWN_SCHEMA') throw err;
  }
  return [decisionCodec.decode(value)];
}

function byInstance(events: readonly DecisionEvent[]): Map<string, DecisionEvent[]> {
  const groups = new Map<string, DecisionEvent[]>();
  let lastKey: string | null = null;
  let last: DecisionEvent[] | undefined;
  for (const event of events) {
    if (event.instance_id !== lastKey) {
      lastKey = event.instance_id;
      last = groups.get(lastKey);
      if (!last) {
        last = [];
        groups.set(lastKey, last);
      }
    }
    last!.push(event);
  }
  return groups;
}

function encodeAll(events: readonly DecisionEvent[]): number[] {
  const ends: number[] = new Array(events.length);
  let pos = 0;
  for (let i = 0; i < events.length; i++) {
    let end: number;
    try {
      end = eventType.encode(events[i], scratch, pos);
      while (end < 0) {
        // `encode` returns minus the number of missing bytes when the buffer is too small.
        const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
        scratch.copy(grown, 0, 0, pos);
        scratch = grown;
        end = eventType.encode(events[i], scratch, pos);
      }
    } catch {
      throw new ContractError('INVALID_VALUE', `decision event ${i} does not match schema DecisionEvent`);
    }
    ends[i] = end;
    pos = end;
  }
  return ends;
}

/** Header, one array block (zig-zag varint count, the items' bytes), the array's end (0). */
function frame(key: string, start: number, end: number, count: number): EncodedDecisionBatch {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + 10 + (end - start) + 1);
  let pos = writeBlockStart(out, count);
  pos += scratch.copy(out, pos, start, end);
  out[pos++] = 0;
  return { key, value: out.subarray(0, pos), events: count };
}

/** The single-object header and the array block's count (zig-zag varint); returns where the items go. */
function writeBlockStart(out: Buffer, count: number): number {
  header.copy(out, 0);
  let pos = HEADER_LENGTH;
  let n = count * 2; // zig-zag of a positive long
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[pos++] = n;
  return pos;
}

// ---- the gateway's one-pass path ------------------------------------------------------------------------

/** The DecisionEvent fields writeDecisionEvent writes, in order; checked against the newest schema. */
export const WRITTEN_DECISION_FIELDS = [
  'event_id',
  'received_at',
  'gateway_id',
  'partition',
  'user_agent',
  'decision_id',
  'instance_id',
  'opa_version',
  'labels',
  'timestamp',
  'timestamp_nanos',
  'path',
  'query',
  'input_json',
  'result_json',
  'mapped_result_json',
  'intermediate_results_json',
  'nd_builtin_cache_json',
  'erased',
  'masked',
  'error_json',
  'requested_by',
  'req_id',
  'trace_id',
  'span_id',
  'batch_decision_id',
  'revision',
  'bundles',
  'metric_names',
  'metric_values',
  'request_context_json',
  'rule_labels_json',
  'custom_json',
  'extra_json',
] as const;

// A schema change without a change here turns the hand-written writer off (the general path writes the
// new schema) instead of writing bytes of the old one under the new fingerprint.
const WRITES_NEWEST =
  DECISION_BATCH_FIELDS.length === WRITTEN_DECISION_FIELDS.length &&
  DECISION_BATCH_FIELDS.every((f, i) => f === WRITTEN_DECISION_FIELDS[i]);

/** A decision-log upload as the gateway produces it. */
export interface EncodedDecisionChunk {
  batches: EncodedDecisionBatch[];
  /** Valid events, in the batches. */
  accepted: number;
  rejected: RejectedDecisionEvent[];
}

const writer = new AvroWriter();
const fields = new DecisionFields();
const envelope = new AvroWriter(1024);

/**
 * An upload (OPA's parsed JSON array) straight to DecisionBatch records: the same records, rejected
 * events and errors as encodeDecisionBatches(normalizeDecisionChunk(...).events, maxBytes), without the
 * DecisionEvent objects. Throws ContractError for a malformed chunk, as normalizeDecisionChunk does.
 */
export function encodeDecisionChunk(
  body: unknown,
  ctx: Omit<NormalizeContext, 'eventId'>,
  newEventId: () => string,
  options: DecisionNormalizeOptions = {},
  maxBytes: number = DEFAULT_DECISION_RECORD_BYTES,
): EncodedDecisionChunk {
  if (!WRITES_NEWEST) {
    const chunk = normalizeDecisionChunk(body, ctx, newEventId, options);
    const batches = encodeDecisionBatches(chunk.events, maxBytes);
    return { batches, accepted: chunk.events.length, rejected: chunk.rejected };
  }
  const rejected: RejectedDecisionEvent[] = [];
  // Where each written event starts and ends in the writer, and its instance id (the record key).
  const starts: number[] = [];
  const ends: number[] = [];
  const keys: string[] = [];
  let envelopeBytes: Buffer | null = null;
  writer.pos = 0;
  forEachDecisionEvent(
    body,
    ctx,
    options,
    (event, path, userAgent, limits) => {
      const eventId = newEventId();
      readDecisionFields(event, path, limits, options.drop, fields);
      envelopeBytes ??= envelopeOf(ctx, userAgent);
      starts.push(writer.pos);
      writeDecisionEvent(eventId, envelopeBytes, fields);
      ends.push(writer.pos);
      keys.push(fields.instance_id);
    },
    rejected,
  );
  return { batches: framedSlices(starts, ends, keys, maxBytes), accepted: keys.length, rejected };
}

/** received_at, gateway_id, partition, user_agent: the same for every event of an upload. */
function envelopeOf(ctx: Omit<NormalizeContext, 'eventId'>, userAgent: string | null): Buffer {
  envelope.pos = 0;
  envelope.long(ctx.receivedAt);
  envelope.string(ctx.gatewayId);
  envelope.nullableString(ctx.partition ?? null);
  envelope.nullableString(userAgent);
  return Buffer.from(envelope.buf.subarray(0, envelope.pos));
}

/** One DecisionEvent in WRITTEN_DECISION_FIELDS order. */
function writeDecisionEvent(eventId: string, envelopeBytes: Buffer, f: DecisionFields): void {
  const w = writer;
  w.string(eventId);
  w.raw(envelopeBytes);
  w.string(f.decision_id);
  w.string(f.instance_id);
  w.nullableString(f.opa_version);
  w.stringMap(f.labelNames, f.labelValues);
  w.long(f.timestamp);
  w.long(f.timestamp_nanos);
  w.nullableString(f.path);
  w.nullableString(f.query);
  w.nullableString(f.input_json);
  w.nullableString(f.result_json);
  w.nullableString(f.mapped_result_json);
  w.nullableString(f.intermediate_results_json);
  w.nullableString(f.nd_builtin_cache_json);
  w.strings(f.erased);
  w.strings(f.masked);
  w.nullableString(f.error_json);
  w.nullableString(f.requested_by);
  if (f.req_id === null) w.long(0);
  else {
    w.long(1);
    w.long(f.req_id);
  }
  w.nullableString(f.trace_id);
  w.nullableString(f.span_id);
  w.nullableString(f.batch_decision_id);
  w.nullableString(f.revision);
  w.stringMap(f.bundleNames, f.bundleRevisions);
  w.strings(f.metricNames);
  w.doubles(f.metricValues);
  w.nullableString(f.request_context_json);
  w.nullableString(f.rule_labels_json);
  w.nullableString(f.custom_json);
  w.nullableString(f.extra_json);
}

/**
 * The written events as records, grouped and cut exactly as encodeDecisionBatches does: by instance in
 * the order of each instance's first event, a new slice before the event that would take it past maxBytes.
 */
function framedSlices(
  starts: readonly number[],
  ends: readonly number[],
  keys: readonly string[],
  maxBytes: number,
): EncodedDecisionBatch[] {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const group = groups.get(keys[i]!);
    if (group) group.push(i);
    else groups.set(keys[i]!, [i]);
  }
  const room = maxBytes - HEADER_LENGTH - 12;
  const batches: EncodedDecisionBatch[] = [];
  for (const [key, events] of groups) {
    let from = 0;
    let bytes = 0;
    for (let j = 0; j < events.length; j++) {
      const size = ends[events[j]!]! - starts[events[j]!]!;
      if (j > from && bytes + size > room) {
        batches.push(frameEvents(key, events, from, j, starts, ends, bytes));
        from = j;
        bytes = 0;
      }
      bytes += size;
    }
    batches.push(frameEvents(key, events, from, events.length, starts, ends, bytes));
  }
  return batches;
}

/** Like frame, for events[from..to) of the writer (adjacent ones copied as one run). */
function frameEvents(
  key: string,
  events: readonly number[],
  from: number,
  to: number,
  starts: readonly number[],
  ends: readonly number[],
  bytes: number,
): EncodedDecisionBatch {
  const out = Buffer.allocUnsafe(HEADER_LENGTH + 10 + bytes + 1);
  let pos = writeBlockStart(out, to - from);
  const buf = writer.buf;
  for (let j = from; j < to; ) {
    const runStart = starts[events[j]!]!;
    let runEnd = ends[events[j]!]!;
    for (j++; j < to && starts[events[j]!] === runEnd; j++) runEnd = ends[events[j]!]!;
    pos += buf.copy(out, pos, runStart, runEnd);
  }
  out[pos++] = 0;
  return { key, value: out.subarray(0, pos), events: to - from };
}
