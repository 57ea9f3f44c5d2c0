// Avro single-object encoding (`C3 01`, 8-byte little-endian CRC-64-AVRO fingerprint of the writer
// schema's Parsing Canonical Form, Avro binary body). Decoding finds the writer schema by fingerprint among
// every kept version and resolves it to the reader schema, so records written by older (or newer, once
// their schema is deployed) producers stay readable.

import avro from 'avsc';
import { createAvroType } from './avro-type';
import { parsingCanonicalForm } from './canonical-form';
import { ContractError } from './contract-error';
import { fingerprintBytes } from './crc64-avro';

export interface RecordCodec<T> {
  /** Full name of the reader schema, e.g. `org.openpolicyagent.fleet.StatusReport`. */
  readonly name: string;
  /** Fingerprint of the schema this codec writes with (8 bytes, as on the wire). */
  readonly fingerprint: Buffer;
  /** Single-object encoding of `record`; throws ContractError INVALID_VALUE when it does not fit the schema. */
  encode(record: T): Buffer;
  /** Decodes a single-object encoded record; throws ContractError UNKNOWN_SCHEMA or CORRUPT_RECORD. */
  decode(buf: Buffer): T;
}

export interface VersionedSchema {
  version: number;
  /** Parsed `.avsc` JSON. */
  schema: unknown;
}

/**
 * What a subject's records look like on the wire beyond plain Avro (see status-wire.ts): `toWire` must not
 * change its argument; `fromWire` may reuse the freshly decoded value it gets.
 */
export interface WireMapping<T> {
  toWire(record: T): T;
  fromWire(decoded: T): T;
}

export interface RecordCodecOptions<T = unknown> {
  /** Every kept version of the schema (any order). */
  versions: readonly VersionedSchema[];
  /** The wire mapping of a schema version, or null when records of that version are plain Avro. */
  wireMapping?: (schema: unknown) => WireMapping<T> | null;
  /** Version to decode into; defaults to the newest. */
  readVersion?: number;
  /** Version to encode with; defaults to the newest. */
  writeVersion?: number;
}

const MAGIC_0 = 0xc3;
const MAGIC_1 = 0x01;
const HEADER_LENGTH = 10;

// One scratch buffer for every codec in the process: encoding is synchronous, so it is never shared by two
// encodes at once. avsc's own toBuffer starts from a 1 KB buffer and encodes larger records twice.
let scratch = Buffer.allocUnsafe(64 * 1024);

type Resolver = ReturnType<avro.Type['createResolver']>;

interface WriterEntry {
  version: number;
  resolver: Resolver | undefined;
}

/** A codec for one record subject over its kept schema versions. */
export function createRecordCodec<T>(options: RecordCodecOptions<T>): RecordCodec<T> {
  const { versions } = options;
  if (versions.length === 0) throw new Error('createRecordCodec needs at least one schema version');
  const newest = Math.max(...versions.map((v) => v.version));
  const pick = (version: number): VersionedSchema => {
    const found = versions.find((v) => v.version === version);
    if (!found) throw new Error(`no schema version ${version}`);
    return found;
  };
  const readSchema = pick(options.readVersion ?? newest);
  const writeSchema = pick(options.writeVersion ?? newest);

  const readerType = createAvroType(readSchema.schema);
  const writerType = writeSchema === readSchema ? readerType : createAvroType(writeSchema.schema);
  const readerFingerprint = fingerprintBytes(parsingCanonicalForm(readSchema.schema));
  const toWire = options.wireMapping?.(writeSchema.schema)?.toWire;
  const fromWire = options.wireMapping?.(readSchema.schema)?.fromWire;
  const writeHeader = Buffer.concat([
    Buffer.from([MAGIC_0, MAGIC_1]),
    fingerprintBytes(parsingCanonicalForm(writeSchema.schema)),
  ]);

  const writers = new Map<string, WriterEntry>();
  for (const v of versions) {
    const fingerprint = fingerprintBytes(parsingCanonicalForm(v.schema));
    if (fingerprint.equals(readerFingerprint)) continue; // decoded directly, no resolver needed
    const type = avro.Type.forSchema(v.schema as avro.Schema);
    writers.set(fingerprint.toString('hex'), {
      version: v.version,
      resolver: readerType.createResolver(type),
    });
  }
  const name = readerType.name ?? 'record';

  return {
    name,
    fingerprint: writeHeader.subarray(2),

    encode(value: T): Buffer {
      let end: number;
      const record = toWire ? toWire(value) : value;
      try {
        writeHeader.copy(scratch, 0);
        end = writerType.encode(record, scratch, HEADER_LENGTH);
        while (end < 0) {
          // `encode` returns minus the number of missing bytes when the buffer is too small.
          const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, scratch.length - end));
          writeHeader.copy(grown, 0);
          scratch = grown;
          end = writerType.encode(record, scratch, HEADER_LENGTH);
        }
      } catch {
        throw new ContractError(
          'INVALID_VALUE',
          `record does not match schema ${name}${describeInvalid(writerType, record)}`,
        );
      }
      const out = Buffer.allocUnsafe(end);
      scratch.copy(out, 0, 0, end);
      return out;
    },

    decode(buf: Buffer): T {
      if (buf.length < HEADER_LENGTH || buf[0] !== MAGIC_0 || buf[1] !== MAGIC_1) {
        throw new ContractError('CORRUPT_RECORD', 'not an Avro single-object encoded record (bad header)');
      }
      let resolver: Resolver | undefined;
      if (buf.compare(readerFingerprint, 0, 8, 2, HEADER_LENGTH) !== 0) {
        const writer = writers.get(buf.toString('hex', 2, HEADER_LENGTH));
        if (!writer) {
          throw new ContractError(
            'UNKNOWN_SCHEMA',
            `no kept version of ${name} has fingerprint ${buf.toString('hex', 2, HEADER_LENGTH)}`,
          );
        }
        resolver = writer.resolver;
      }
      let decoded: { value: unknown; offset: number };
      try {
        decoded = readerType.decode(buf, HEADER_LENGTH, resolver);
      } catch (err) {
        throw new ContractError('CORRUPT_RECORD', `corrupt ${name} body: ${(err as Error).message}`);
      }
      if (decoded.offset !== buf.length) {
        throw new ContractError(
          'CORRUPT_RECORD',
          decoded.offset < 0 ? `truncated ${name} body` : `trailing bytes after ${name} body`,
        );
      }
      return fromWire ? fromWire(decoded.value as T) : (decoded.value as T);
    },
  };
}

// Slow path, only on failure: name the first offending field.
function describeInvalid(type: avro.Type, record: unknown): string {
  let where = '';
  try {
    type.isValid(record, {
      errorHook: (path: string[]) => {
        if (!where) where = `: invalid value at ${path.join('.') || '(root)'}`;
      },
    });
  } catch {
    // isValid itself can throw on exotic input; the generic message is enough then.
  }
  return where;
}
