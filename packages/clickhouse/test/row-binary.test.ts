import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MIGRATIONS_DIR,
  payloadBytes,
  RowBinaryWriter,
  SAMPLE_ROW_BINARY,
  STATUS_TABLE_SPECS,
  TableBatch,
} from '../src';
import { ddlColumns } from './ddl-columns';

const hex = (write: (w: RowBinaryWriter) => void, initialBytes?: number) => {
  const w = new RowBinaryWriter(initialBytes);
  write(w);
  return w.bytes().toString('hex');
};

describe('RowBinaryWriter', () => {
  it('writes strings as LEB128 length and UTF-8 bytes, short ASCII or not', () => {
    expect(hex((w) => w.string('ab'))).toBe('026162');
    expect(hex((w) => w.string(''))).toBe('00');
    expect(hex((w) => w.string('é'))).toBe('02c3a9');
    const long = 'x'.repeat(200);
    expect(hex((w) => w.string(long))).toBe(`c801${'78'.repeat(200)}`);
    expect(hex((w) => w.strings(['a', 'bc']))).toBe('0201610262' + '63');
  });

  it('writes the same bytes on the ASCII fast path (up to 127 characters) as the UTF-8 encoder, at every edge', () => {
    const reference = (value: string) => {
      const bytes = Buffer.from(value, 'utf8');
      const length: number[] = [];
      let n = bytes.length;
      while (n >= 0x80) {
        length.push((n % 0x80) | 0x80);
        n = Math.floor(n / 0x80);
      }
      length.push(n);
      return Buffer.concat([Buffer.from(length), bytes]).toString('hex');
    };
    const uuid = '0f8fad5b-d9cb-469f-a165-70867728950e';
    for (const value of [
      uuid,
      'a'.repeat(127),
      'a'.repeat(128),
      `${'a'.repeat(100)}é`,
      `é${'a'.repeat(126)}`,
    ]) {
      expect(
        hex((w) => w.string(value), 4),
        value.slice(0, 12),
      ).toBe(reference(value));
    }
  });

  it('writes fixed-width numbers little-endian, NaN and infinities as doubles', () => {
    expect(hex((w) => w.uint32(1))).toBe('01000000');
    expect(hex((w) => w.uint64(2 ** 32 + 5))).toBe('0500000001000000');
    expect(hex((w) => w.int64(-2))).toBe('feffffffffffffff');
    expect(hex((w) => w.float64(Number.NaN))).toBe('000000000000f87f');
    expect(hex((w) => w.float64(Number.NEGATIVE_INFINITY))).toBe('000000000000f0ff');
    expect(hex((w) => w.nullableInt64(null))).toBe('01');
    expect(hex((w) => w.nullableInt64(7))).toBe('000700000000000000');
  });

  it('refuses values the column cannot hold', () => {
    const w = new RowBinaryWriter();
    expect(() => w.uint32(-1)).toThrow(RangeError);
    expect(() => w.uint64(-1)).toThrow(RangeError);
    expect(() => w.uint64(2 ** 60)).toThrow(RangeError);
    expect(() => w.int64(0.5)).toThrow(RangeError);
  });

  it('grows past its first buffer and truncates back to a mark', () => {
    const w = new RowBinaryWriter(4);
    w.string('first');
    const mark = w.length;
    for (let i = 0; i < 1000; i++) w.string(`row ${i}`);
    expect(w.length).toBeGreaterThan(4000);
    w.truncate(mark);
    expect(w.bytes().toString('hex')).toBe('056669727374');
  });

  it('hands out what it wrote as views that later writes, truncates and growth leave intact', () => {
    const w = new RowBinaryWriter(16);
    w.string('first');
    const first = w.take();
    w.string('second');
    w.truncate(0); // drops 'second', not what was taken
    w.string('third');
    const third = w.take();
    for (let i = 0; i < 100; i++) w.string(`row ${i}`); // past the buffer: a fresh one
    const rest = w.take();
    expect(first.toString('hex')).toBe('056669727374');
    expect(third.toString('hex')).toBe('057468697264');
    expect(rest.length).toBe(
      Array.from({ length: 100 }, (_, i) => 1 + `row ${i}`.length).reduce((a, b) => a + b),
    );
    expect(rest.subarray(0, 6).toString('hex')).toBe('05726f772030');
    expect(w.length).toBe(0);
  });
});

describe('prometheus_samples as RowBinary', () => {
  const sample = (over: object = {}) => ({
    event_id: 'e1',
    seq: 0,
    received_at: 1_795_500_000,
    received_at_us: 1_795_500_000_123_456,
    instance_id: 'i',
    partition: '',
    family: 'f',
    type: 'HISTOGRAM',
    name: 'f_bucket',
    label_names: ['le'],
    label_values: ['+Inf'],
    value: 3,
    timestamp_ms: null,
    unit: '',
    created_timestamp_us: null,
    ...over,
  });

  it("lists the columns of 020's rebuilt prometheus_samples, then those 025 adds, in their order", () => {
    const added = [
      ...readFileSync(`${DEFAULT_MIGRATIONS_DIR}/025_prometheus_sample_units.sql`, 'utf8').matchAll(
        /^ALTER TABLE \{\{local prometheus_samples\}\} \{\{on_cluster\}\}\n\s+ADD COLUMN (\w+)/gm,
      ),
    ].map((m) => m[1]);
    expect(added).toEqual(['unit', 'created_timestamp_us']);
    expect([...ddlColumns('020_prometheus_samples_by_report.sql'), ...added]).toEqual(
      SAMPLE_ROW_BINARY.columns,
    );
  });

  it('writes each column in that order', () => {
    const w = new RowBinaryWriter();
    SAMPLE_ROW_BINARY.write(sample({ timestamp_ms: 5, unit: 'seconds', created_timestamp_us: 7 }), w);
    const expected = new RowBinaryWriter();
    expected.string('e1');
    expected.uint32(0);
    expected.uint32(1_795_500_000);
    expected.uint64(1_795_500_000_123_456);
    for (const s of ['i', '', 'f', 'HISTOGRAM', 'f_bucket']) expected.string(s);
    expected.strings(['le']);
    expected.strings(['+Inf']);
    expected.float64(3);
    expected.nullableInt64(5);
    expected.string('seconds');
    expected.nullableInt64(7);
    expect(w.bytes().equals(expected.bytes())).toBe(true);
  });

  it('a row it cannot write leaves the batch exactly as it was, every table of the record', () => {
    const batch = new TableBatch(STATUS_TABLE_SPECS);
    batch.addAll([['prometheus_samples', [sample()]]]);
    const before = {
      rows: batch.rows,
      bytes: batch.bytes,
      body: payloadBytes(batch.payloadOf('prometheus_samples')),
    };
    expect(() =>
      batch.addAll([
        ['bundles', [{ b: 1 }]],
        ['prometheus_samples', [sample({ seq: 1 }), sample({ seq: -1 })]],
      ]),
    ).toThrow(RangeError);
    expect({ rows: batch.rows, bytes: batch.bytes }).toEqual({ rows: before.rows, bytes: before.bytes });
    expect(batch.rowsOf('bundles')).toBe(0);
    expect(batch.tablesInOrder()).toEqual(['prometheus_samples']);
    const payload = batch.payloadOf('prometheus_samples');
    expect(payload.format).toBe('RowBinary');
    expect(payload.columns).toEqual(SAMPLE_ROW_BINARY.columns);
    expect(payloadBytes(payload).equals(before.body)).toBe(true);
  });
});
