// Hardens avsc's array and map readers against corrupt records. avsc 5.7 trusts the block count it reads:
// a damaged count (up to 2^31) makes it loop that many times past the end of the buffer before noticing the
// record is truncated, which looks like a hung consumer. Every item of our arrays and maps takes at least one
// byte (records with fields, or a string key), so a count larger than the bytes left is corrupt.
// Plugs in through avsc's public `typeHook`; the readers use the internal tap (`buf`, `pos`), pinned by the
// corrupt-record tests.

import avro from 'avsc';

interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  readString(): string;
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
  const out: unknown[] = [];
  for (let n = blockCount(tap); n !== 0; n = blockCount(tap)) {
    while (n-- > 0) out.push(items._read(tap));
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

type TypeConstructor = new (schema: unknown, opts: unknown) => avro.Type;
const { ArrayType, MapType } = avro.types as unknown as {
  ArrayType: TypeConstructor;
  MapType: TypeConstructor;
};

class BoundedArrayType extends ArrayType {}
(BoundedArrayType.prototype as unknown as Reader)._read = readArray as Reader['_read'];

class BoundedMapType extends MapType {}
(BoundedMapType.prototype as unknown as Reader)._read = readMap as Reader['_read'];

function typeHook(schema: unknown, opts: unknown): avro.Type | undefined {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return undefined;
  const type = (schema as { type?: unknown }).type;
  if (type === 'array') return new BoundedArrayType(schema, opts);
  if (type === 'map') return new BoundedMapType(schema, opts);
  return undefined;
}

/** avsc's Type.forSchema, with array and map readers that reject impossible block counts. */
export function boundedType(schema: unknown): avro.Type {
  return avro.Type.forSchema(schema as avro.Schema, { typeHook } as Partial<avro.ForSchemaOptions>);
}
