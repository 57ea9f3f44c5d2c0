// CRC-64-AVRO (the Rabin fingerprint of the Avro specification), used for single-object encoding.
// Computed once per schema at start-up, so BigInt arithmetic is fine here.

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;

const TABLE: bigint[] = (() => {
  const table: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) {
      fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n) & MASK);
    }
    table.push(fp);
  }
  return table;
})();

/** The 64-bit CRC-64-AVRO fingerprint of `text` (UTF-8), as an unsigned BigInt. */
export function crc64Avro(text: string): bigint {
  let fp = EMPTY;
  for (const byte of Buffer.from(text, 'utf8')) {
    fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(byte)) & 0xffn)]!;
  }
  return fp;
}

/** The fingerprint as the 8 little-endian bytes that follow `C3 01` in single-object encoding. */
export function fingerprintBytes(text: string): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeBigUInt64LE(crc64Avro(text));
  return buf;
}
