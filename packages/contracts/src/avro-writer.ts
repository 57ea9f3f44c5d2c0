// Avro binary writing by hand into one growing buffer, for the hot paths that skip avsc's generic writer
// (decision events: a 32 KB upload is about 500 of them). Writes exactly the bytes avsc 5.7 writes for the
// same values, including its quirks (a test holds the two together): zig-zag varints with avsc's integer
// and floating branches, and strings whose UTF-8 takes at most 64 bytes encoded by avsc's own loop, which
// writes a lone surrogate as its 3-byte form where Buffer#write (longer strings, as in avsc) writes U+FFFD.

import { writeAscii } from './ascii-bytes';

/** Where a string's UTF-8 stops being encoded by avsc's own loop and goes to Buffer#utf8Write. */
const AVSC_LOOP_MAX_BYTES = 64;

export class AvroWriter {
  buf: Buffer;
  pos = 0;

  constructor(initialBytes = 1024 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Room for `n` more bytes (the buffer doubles, keeping what was written). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** A long or int (zig-zag varint), as avsc's Tap#writeLong. */
  long(n: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    if (n >= -1073741824 && n < 1073741824) {
      let m = n >= 0 ? n << 1 : (~n << 1) | 1;
      while (m > 0x7f) {
        buf[pos++] = (m & 0x7f) | 0x80;
        m >>>= 7;
      }
      buf[pos++] = m;
    } else {
      let f = n >= 0 ? n * 2 : -n * 2 - 1;
      while (f >= 128) {
        buf[pos++] = (f & 0x7f) | 0x80;
        f /= 128;
      }
      buf[pos++] = f & 0x7f;
    }
    this.pos = pos;
  }

  double(value: number): void {
    this.ensure(8);
    this.pos = this.buf.writeDoubleLE(value, this.pos);
  }

  /** Bytes already Avro (a pre-encoded run of fields). */
  raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.pos += bytes.copy(this.buf, this.pos);
  }

  string(value: string): void {
    const length = value.length;
    // Short ASCII, the common case (ids, names, label values): its UTF-8 length is its length, one
    // varint byte, copied byte by byte (cheaper than Buffer.byteLength + a native write at this size).
    if (length < 64) {
      this.ensure(1 + length);
      const end = writeAscii(value, this.buf, this.pos + 1);
      if (end !== -1) {
        this.buf[this.pos] = length << 1;
        this.pos = end;
        return;
      }
    }
    const bytes = Buffer.byteLength(value, 'utf8');
    this.long(bytes);
    this.ensure(bytes);
    if (bytes > AVSC_LOOP_MAX_BYTES) this.pos += this.buf.write(value, this.pos, bytes, 'utf8');
    else this.utf8Loop(value);
  }

  /** A ["null", "string"] union. */
  nullableString(value: string | null): void {
    if (value === null) {
      this.ensure(1);
      this.buf[this.pos++] = 0;
    } else {
      this.ensure(1);
      this.buf[this.pos++] = 2;
      this.string(value);
    }
  }

  /** An array<string> (one block, then the end block), as avsc writes arrays. */
  strings(values: readonly string[]): void {
    if (values.length > 0) {
      this.long(values.length);
      for (let i = 0; i < values.length; i++) this.string(values[i]!);
    }
    this.long(0);
  }

  /** A map<string> from parallel keys and values, in that order (avsc writes Object.keys order). */
  stringMap(keys: readonly string[], values: readonly string[]): void {
    if (keys.length > 0) {
      this.long(keys.length);
      for (let i = 0; i < keys.length; i++) {
        this.string(keys[i]!);
        this.string(values[i]!);
      }
    }
    this.long(0);
  }

  doubles(values: readonly number[]): void {
    if (values.length > 0) {
      this.long(values.length);
      for (let i = 0; i < values.length; i++) this.double(values[i]!);
    }
    this.long(0);
  }

  /** avsc's UTF-8 loop for short strings (room already ensured). */
  private utf8Loop(s: string): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < s.length; i++) {
      let c1 = s.charCodeAt(i);
      const c2 = s.charCodeAt(i + 1); // NaN past the end: not a low surrogate
      if (c1 < 0x80) {
        buf[pos++] = c1;
      } else if (c1 < 0x800) {
        buf[pos++] = (c1 >> 6) | 0xc0;
        buf[pos++] = (c1 & 0x3f) | 0x80;
      } else if ((c1 & 0xfc00) === 0xd800 && (c2 & 0xfc00) === 0xdc00) {
        c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
        i++;
        buf[pos++] = (c1 >> 18) | 0xf0;
        buf[pos++] = ((c1 >> 12) & 0x3f) | 0x80;
        buf[pos++] = ((c1 >> 6) & 0x3f) | 0x80;
        buf[pos++] = (c1 & 0x3f) | 0x80;
      } else {
        buf[pos++] = (c1 >> 12) | 0xe0;
        buf[pos++] = ((c1 >> 6) & 0x3f) | 0x80;
        buf[pos++] = (c1 & 0x3f) | 0x80;
      }
    }
    this.pos = pos;
  }
}
