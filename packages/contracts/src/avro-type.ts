// avsc types as this package builds them: hardened array/map readers, and fast paths for short ASCII strings
// and nullable unions (together about a fifth of encode+decode time). Same bytes as plain avsc (tested).
//
// Hardens avsc's array and map readers against corrupt records. avsc 5.7 trusts the block count it reads:
// a damaged count (up to 2^31) makes it loop that many times past the end of the buffer before noticing the
// record is truncated, which looks like a hung consumer. Every item of our arrays and maps takes at least one
// byte (records with fields, or a string key), so a count larger than the bytes left is corrupt.
// Plugs in through avsc's public `typeHook`; the readers use the internal tap (`buf`, `pos`), pinned by the
// corrupt-record tests.

import avro from 'avsc';
import { writeAscii } from './ascii-bytes';

interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
  writeString(value: string): void;
}

interface Reader {
  _read(tap: Tap): unknown;
}

function blockCount(tap: Tap): number {
  let n = tap.readLong();
  if (n < 0) {
    n = -n;
    tap.skipLong(); // block size in bytes, unused
  }
  if (n > tap.buf.length - tap.pos) throw new Error(`block count ${n} exceeds the bytes left`);
  return n;
}

// Resolvers copy `_read` from the reader type and call it with themselves as `this`, so these methods only
// use `itemsType` / `valuesType`, which both carry.
function readArray(this: { itemsType: Reader }, tap: Tap): unknown[] {
  const items = this.itemsType;
  let n = blockCount(tap);
  if (n === 0) return [];
  const out: unknown[] = new Array(n); // n is bounded by the bytes left
  let i = 0;
  for (; n !== 0; n = blockCount(tap)) {
    while (n-- > 0) out[i++] = items._read(tap);
  }
  return out;
}

function readMap(this: { valuesType: Reader }, tap: Tap): Record<string, unknown> {
  const values = this.valuesType;
  const out: Record<string, unknown> = {};
  for (let n = blockCount(tap); n !== 0; n = blockCount(tap)) {
    while (n-- > 0) {
      const key = tap.readString();
      out[key] = values._read(tap);
    }
  }
  return out;
}

type TypeConstructor = new (schema?: unknown, opts?: unknown) => avro.Type;
const { ArrayType, MapType, StringType, UnwrappedUnionType } = avro.types as unknown as {
  ArrayType: TypeConstructor;
  MapType: TypeConstructor;
  StringType: TypeConstructor;
  UnwrappedUnionType: TypeConstructor;
};

class BoundedArrayType extends ArrayType {}
(BoundedArrayType.prototype as unknown as Reader)._read = readArray as Reader['_read'];

class BoundedMapType extends MapType {}
(BoundedMapType.prototype as unknown as Reader)._read = readMap as Reader['_read'];

// Most strings in a report are short ASCII (names, ids, label values). avsc measures every string with
// Buffer.byteLength before writing it; for short ASCII the length is known and the bytes can be copied
// directly (~30% faster string writes). Anything else takes avsc's own path.
const stringWrite = (StringType.prototype as unknown as { _write(tap: Tap, value: unknown): void })._write;

function writeString(this: unknown, tap: Tap, value: unknown): void {
  if (typeof value === 'string' && value.length < 64 && tap.pos + 1 + value.length <= tap.buf.length) {
    const end = writeAscii(value, tap.buf, tap.pos + 1);
    if (end !== -1) {
      tap.buf[tap.pos] = value.length << 1; // zig-zag varint of a length below 64 is one byte
      tap.pos = end;
      return;
    }
  }
  stringWrite.call(this, tap, value);
}

class AsciiFastStringType extends StringType {}
(AsciiFastStringType.prototype as unknown as { _write: typeof writeString })._write = writeString;

// Most fields are ["null", X] unions. avsc picks the branch of an unwrapped union by bucketing the value's
// JS type; for a nullable field the branch is simply `value === null`.
interface NullableUnion {
  types: readonly { _read(tap: Tap): unknown; _write(tap: Tap, value: unknown): void }[];
}

function writeNullable(this: NullableUnion, tap: Tap, value: unknown): void {
  if (value === null) {
    tap.buf[tap.pos++] = 0; // past the end, the tap just becomes invalid and encode grows the buffer
  } else {
    tap.buf[tap.pos++] = 2; // zig-zag 1
    this.types[1]!._write(tap, value);
  }
}

function readNullable(this: NullableUnion, tap: Tap): unknown {
  const index = tap.readLong();
  if (index === 0) return null;
  if (index === 1) return this.types[1]!._read(tap);
  throw new Error(`invalid union index: ${index}`);
}

class NullableUnionType extends UnwrappedUnionType {}
Object.assign(NullableUnionType.prototype, { _write: writeNullable, _read: readNullable });

// Counts and timer values are ["long", "double"] (optionally with "null") unions: whole numbers travel as
// varints (1–4 bytes instead of 8), anything else as a double. Both branches are JS numbers, which avsc's
// unwrapped unions refuse as ambiguous; this union picks the branch from the value instead. -0 stays a double
// so that it reads back as -0. From 2^48 on a varint is no shorter than a double, and avsc's long writer
// would lose precision near 2^53.
const LONG_WORTHWHILE = 2 ** 48;
const { WrappedUnionType } = avro.types as unknown as { WrappedUnionType: TypeConstructor };

interface NumberUnion {
  _branchIndices: Record<string, number | undefined>;
  types: readonly avro.Type[];
}

interface NumberTap extends Tap {
  writeLong(value: number): void;
  writeDouble(value: number): void;
}

function writeNumber(this: NumberUnion, tap: NumberTap, value: unknown): void {
  const indices = this._branchIndices;
  if (value === null) {
    tap.writeLong(indices.null!);
  } else if (
    Number.isInteger(value) &&
    Math.abs(value as number) < LONG_WORTHWHILE &&
    !Object.is(value, -0)
  ) {
    tap.writeLong(indices.long!);
    tap.writeLong(value as number);
  } else {
    tap.writeLong(indices.double!);
    tap.writeDouble(value as number);
  }
}

function readNumber(this: NumberUnion, tap: Tap): unknown {
  const type = this.types[tap.readLong()] as unknown as Reader | undefined;
  if (type === undefined) throw new Error('invalid union index');
  return type._read(tap);
}

function checkNumber(
  this: NumberUnion,
  value: unknown,
  _flags: unknown,
  hook?: (value: unknown, type: unknown) => void,
): boolean {
  const ok = value === null ? this._branchIndices.null !== undefined : typeof value === 'number';
  if (!ok && hook) hook(value, this);
  return ok;
}

// Reading another version's plain `double` (or `long`, or nullable one): the first branch that can read it,
// as Avro's resolution rules say; values stay unwrapped numbers.
function updateNumber(
  this: NumberUnion,
  resolver: { _read?: (tap: Tap) => unknown },
  writer: avro.Type,
  opts: unknown,
): void {
  for (const type of this.types) {
    let branch: Reader;
    try {
      branch = type.createResolver(writer, opts as object) as unknown as Reader;
    } catch {
      continue;
    }
    resolver._read = (tap) => branch._read(tap);
    return;
  }
}

class NumberUnionType extends WrappedUnionType {}
Object.assign(NumberUnionType.prototype, {
  _write: writeNumber,
  _read: readNumber,
  _check: checkNumber,
  _update: updateNumber,
  _copy: (value: unknown) => value,
});

function isNumberUnion(schema: unknown[]): boolean {
  const branches = schema.filter((branch) => branch !== 'null');
  return (
    branches.length === 2 &&
    branches.includes('long') &&
    branches.includes('double') &&
    schema.length - branches.length <= 1
  );
}

function isNullable(schema: unknown[]): boolean {
  return schema.length === 2 && schema[0] === 'null' && schema[1] !== 'null';
}

function typeHook(schema: unknown, opts: unknown): avro.Type | undefined {
  if (schema === 'string') return new AsciiFastStringType();
  if (Array.isArray(schema)) {
    if (isNullable(schema)) return new NullableUnionType(schema, opts);
    return isNumberUnion(schema) ? new NumberUnionType(schema, opts) : undefined;
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const type = (schema as { type?: unknown }).type;
  if (type === 'string' && !('logicalType' in schema)) return new AsciiFastStringType();
  if (type === 'array') return new BoundedArrayType(schema, opts);
  if (type === 'map') return new BoundedMapType(schema, opts);
  return undefined;
}

/**
 * avsc's Type.forSchema, with array and map readers that reject impossible block counts, a faster writer for
 * short ASCII strings, and unwrapped `long`/`double` unions. Records encode to the same bytes as with plain
 * avsc (whose own type for such a union wants wrapped values).
 */
export function createAvroType(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { typeHook } as Partial<avro.ForSchemaOptions>);
}
