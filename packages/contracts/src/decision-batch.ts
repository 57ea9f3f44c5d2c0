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

import type avro from 'avsc';
import { createAvroType } from './avro-type';
import { parsingCanonicalForm } from './canonical-form';
import { decisionBatchCodec, decisionCodec } from './codecs';
import { ContractError } from './contract-error';
import { fingerprintBytes } from './crc64-avro';
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
  header.copy(out, 0);
  let pos = HEADER_LENGTH;
  let n = count * 2; // zig-zag of a positive long
  while (n >= 0x80) {
    out[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[pos++] = n;
  pos += scratch.copy(out, pos, start, end);
  out[pos++] = 0;
  return { key, value: out.subarray(0, pos), events: count };
}
