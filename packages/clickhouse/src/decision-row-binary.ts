// A DecisionBatch record (Avro single-object encoding, the newest decision-batch schema) straight into
// `decisions` rows in RowBinary (DECISION_ROW_BINARY's columns), without building a JavaScript object or
// string per field: Avro strings and RowBinary strings are both a length and the UTF-8 bytes, so text is
// copied as bytes, numbers are re-framed, and only map keys (labels, bundles: sorted into parallel arrays,
// as flattenDecision does) become strings. The decision-loader's hot path: decode + flatten + encode of a
// decision cost several times this (profiled in the decisions benchmark).
//
// It reads exactly the writer schema it was written for. Any other record (an older single DecisionEvent, a
// future schema version, an array in more than one Avro block, which avsc never writes) gets null, and the
// caller takes the general path (decode with schema resolution -> flattenDecision -> DECISION_ROW_BINARY),
// which writes the same bytes; a unit test holds the two together on random events.
import { ContractError, DECISION_BATCH_FIELDS, DECISION_BATCH_FINGERPRINT } from '@opa-fleet/contracts';
import { RowBinaryRows, RowBinaryWriter } from './row-binary';

/** The DecisionEvent fields this transcoder reads, in order; checked against the schema at load. */
export const TRANSCODED_DECISION_FIELDS = [
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

const HEADER_LENGTH = 10;
// The newest schema is the one this code reads; a schema change without a change here turns the fast
// path off (every record takes the general path) instead of misreading bytes.
const TRANSCODES_NEWEST =
  DECISION_BATCH_FIELDS.length === TRANSCODED_DECISION_FIELDS.length &&
  DECISION_BATCH_FIELDS.every((f, i) => f === TRANSCODED_DECISION_FIELDS[i]);

/** Thrown inside the reader when the record takes the general path (not an error of the record). */
class NotTranscodable extends Error {}

/** Avro binary reading over one record: zig-zag varints, length-prefixed bytes, bounds checked. */
class AvroReader {
  pos = HEADER_LENGTH;
  constructor(readonly buf: Buffer) {}

  long(): number {
    let b = this.byte();
    let n = b & 0x7f;
    let scale = 128;
    while (b & 0x80) {
      b = this.byte();
      n += (b & 0x7f) * scale;
      scale *= 128;
      if (scale > 2 ** 63) throw corrupt('varint longer than 10 bytes');
    }
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw corrupt('truncated');
    return this.buf[this.pos++]!;
  }

  /** A string's length; the bytes follow at pos. */
  stringLength(): number {
    const length = this.long();
    if (length < 0 || this.pos + length > this.buf.length) throw corrupt('string runs past the record');
    return length;
  }

  /** Block count of an array or map (a negative count is followed by the block's size in bytes). */
  blockCount(): number {
    let n = this.long();
    if (n < 0) {
      n = -n;
      this.long();
    }
    if (n > this.buf.length - this.pos) throw corrupt(`block count ${n} exceeds the bytes left`);
    return n;
  }
}

// An arena: each record's rows are a view of it (no copy per record); a full buffer is left to the
// batches holding views of it and a fresh 4 MB one started (about 15 uploads of 32 KB gzipped).
const out = new RowBinaryWriter(4 * 1024 * 1024);

/**
 * The `decisions` rows of a DecisionBatch record in RowBinary, or null when the record is not of the
 * schema this transcoder reads (the caller decodes it instead). Throws ContractError CORRUPT_RECORD for
 * damaged bytes, RangeError for a value its column cannot hold.
 */
export function decisionRowsBinaryOf(value: Buffer): RowBinaryRows | null {
  if (!TRANSCODES_NEWEST || value.length < HEADER_LENGTH + 1) return null;
  if (value[0] !== 0xc3 || value[1] !== 0x01) return null;
  if (value.compare(DECISION_BATCH_FINGERPRINT, 0, 8, 2, HEADER_LENGTH) !== 0) return null;
  const r = new AvroReader(value);
  out.truncate(0);
  let rows = 0;
  try {
    for (let n = r.blockCount(); n !== 0; n = r.blockCount()) {
      for (let i = 0; i < n; i++) event(r);
      rows += n;
    }
    if (r.pos !== value.length) throw corrupt('trailing bytes after the DecisionBatch body');
  } catch (err) {
    out.truncate(0);
    if (err instanceof NotTranscodable) return null;
    throw err;
  }
  return new RowBinaryRows(rows, out.take());
}

/** One DecisionEvent -> one row, fields in schema order (TRANSCODED_DECISION_FIELDS). */
function event(r: AvroReader): void {
  string(r); // event_id
  micros(r); // received_at, received_at_us
  string(r); // gateway_id
  if (union(r))
    string(r); // partition ('' for null)
  else out.byte(0);
  nullableString(r); // user_agent
  string(r); // decision_id
  string(r); // instance_id
  nullableString(r); // opa_version
  sortedMap(r); // labels -> label_names, label_values
  micros(r); // timestamp -> decided_at, decided_at_us
  out.uint16(r.long()); // timestamp_nanos
  for (let i = 0; i < 7; i++) nullableString(r); // path ... nd_builtin_cache_json
  stringArray(r); // erased
  stringArray(r); // masked
  nullableString(r); // error_json
  nullableString(r); // requested_by
  if (union(r)) {
    out.byte(0);
    out.uint64(r.long()); // req_id
  } else out.byte(1);
  for (let i = 0; i < 4; i++) nullableString(r); // trace_id, span_id, batch_decision_id, revision
  sortedMap(r); // bundles -> bundle_names, bundle_revisions
  stringArray(r); // metric_names
  doubleArray(r); // metric_values
  for (let i = 0; i < 4; i++) nullableString(r); // request_context_json ... extra_json
}

function string(r: AvroReader): void {
  const length = r.stringLength();
  out.utf8(r.buf, r.pos, length);
  r.pos += length;
}

/** A `["null", X]` union's branch: false for null. */
function union(r: AvroReader): boolean {
  const branch = r.long();
  if (branch === 0) return false;
  if (branch === 1) return true;
  throw corrupt(`union branch ${branch}`);
}

function nullableString(r: AvroReader): void {
  if (!union(r)) {
    out.byte(1);
    return;
  }
  out.byte(0);
  string(r);
}

/** A timestamp-micros long as DateTime (seconds) and UInt64 (micros), as flattenDecision's columns. */
function micros(r: AvroReader): void {
  const us = r.long();
  out.uint32(Math.floor(us / 1_000_000));
  out.uint64(us);
}

/** After an array's first block: RowBinary needs the count before the items, so one block only. */
function endOfArray(r: AvroReader): void {
  if (r.long() !== 0) throw new NotTranscodable();
}

function stringArray(r: AvroReader): void {
  const n = r.blockCount();
  out.uvarint(n);
  if (n === 0) return;
  for (let i = 0; i < n; i++) string(r);
  endOfArray(r);
}

function doubleArray(r: AvroReader): void {
  const n = r.blockCount();
  out.uvarint(n);
  if (n === 0) return;
  const bytes = n * 8;
  if (r.pos + bytes > r.buf.length) throw corrupt('doubles run past the record');
  out.raw(r.buf.subarray(r.pos, r.pos + bytes)); // Avro doubles and Float64 are both IEEE 754 little-endian
  r.pos += bytes;
  endOfArray(r);
}

// Scratch for sortedMap (reused: maps have a handful of entries, allocating per map showed in the profile).
const mapKeys: string[] = [];
const mapStarts: number[] = [];
const mapLengths: number[] = [];
const mapOrder: number[] = [];

/** A map<string> as names and values sorted by name (the last of a repeated key wins, as in decoding). */
function sortedMap(r: AvroReader): void {
  let entries = 0;
  for (let n = r.blockCount(); n !== 0; n = r.blockCount()) {
    for (let i = 0; i < n; i++) {
      const keyLength = r.stringLength();
      mapKeys[entries] = r.buf.toString('utf8', r.pos, r.pos + keyLength);
      r.pos += keyLength;
      const valueLength = r.stringLength();
      mapStarts[entries] = r.pos;
      mapLengths[entries] = valueLength;
      mapOrder[entries] = entries;
      r.pos += valueLength;
      entries += 1;
    }
  }
  mapOrder.length = entries;
  if (entries > 1) {
    mapOrder.sort((a, b) => (mapKeys[a]! < mapKeys[b]! ? -1 : mapKeys[a]! > mapKeys[b]! ? 1 : a - b));
    // A repeated key (never written by avsc from an object, but possible in bytes): keep its last value.
    let kept = 0;
    for (let i = 0; i < entries; i++) {
      const next = mapOrder[i + 1];
      if (i + 1 < entries && mapKeys[next!] === mapKeys[mapOrder[i]!]) continue;
      mapOrder[kept++] = mapOrder[i]!;
    }
    mapOrder.length = kept;
  }
  const count = mapOrder.length;
  out.uvarint(count);
  for (let i = 0; i < count; i++) out.string(mapKeys[mapOrder[i]!]!);
  out.uvarint(count);
  for (let i = 0; i < count; i++) {
    const e = mapOrder[i]!;
    out.utf8(r.buf, mapStarts[e]!, mapLengths[e]!);
  }
}

function corrupt(message: string): ContractError {
  return new ContractError('CORRUPT_RECORD', `corrupt DecisionBatch body: ${message}`);
}
