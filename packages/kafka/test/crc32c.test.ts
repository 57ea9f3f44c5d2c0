// The record-batch checksum: CRC-32C's check value, kafkajs' own implementation on random bytes (lengths
// around the 8-byte steps, views at odd offsets, a decision-batch-sized buffer), and its installation in
// kafkajs' place once a client is created.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createKafkaClient } from '../src/client';
import { crc32c } from '../src/crc32c';

const require = createRequire(import.meta.url);
/** kafkajs' byte-at-a-time implementation (the file its index wraps; the index is what gets replaced). */
const kafkajsCrc32c = require('kafkajs/src/protocol/recordBatch/crc32C/crc32C.js') as (b: Buffer) => number;

describe('crc32c', () => {
  it('gives the check value of CRC-32C and 0 for no bytes', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa); // 32 zero bytes (RFC 3720, B.4)
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
  });

  it("equals kafkajs' own on random bytes of every length up to 100, at any offset", () => {
    const pool = randomBytes(4096);
    for (let length = 0; length <= 100; length++) {
      for (const offset of [0, 1, 3, 7]) {
        const view = pool.subarray(offset + length, offset + 2 * length);
        expect(crc32c(view), `length ${length}, offset ${offset}`).toBe(kafkajsCrc32c(view));
      }
    }
  });

  it("equals kafkajs' own on a 270 KB decision batch's worth of bytes", () => {
    const big = randomBytes(270 * 1024 + 5);
    expect(crc32c(big)).toBe(kafkajsCrc32c(big));
  });

  it("takes kafkajs' place once a client is created", () => {
    createKafkaClient({ brokers: ['127.0.0.1:9'], clientId: 'crc', logger: pino({ level: 'silent' }) });
    expect(require('kafkajs/src/protocol/recordBatch/crc32C/index.js')).toBe(crc32c);
  });
});
