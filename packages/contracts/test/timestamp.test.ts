import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../src/timestamp';

describe('parseTimestamp', () => {
  it('keeps microseconds and truncates nanoseconds', () => {
    expect(parseTimestamp('2026-11-23T10:15:02.123456789Z')).toBe(
      Date.parse('2026-11-23T10:15:02.123Z') * 1000 + 456,
    );
    expect(parseTimestamp('2026-11-23T10:15:02.5Z')).toBe(Date.parse('2026-11-23T10:15:02.500Z') * 1000);
    expect(parseTimestamp('2026-11-23T10:15:02Z')).toBe(Date.parse('2026-11-23T10:15:02Z') * 1000);
  });

  it('applies offsets', () => {
    expect(parseTimestamp('2026-11-23T05:15:02-05:00')).toBe(Date.parse('2026-11-23T10:15:02Z') * 1000);
  });

  it('agrees with Date.parse over a range of days', () => {
    for (let day = -40_000; day < 40_000; day += 997) {
      const iso = new Date(day * 86_400_000 + 12_345_678).toISOString();
      expect(parseTimestamp(iso)).toBe(Date.parse(iso) * 1000);
    }
  });

  it("maps Go's zero time to null", () => {
    expect(parseTimestamp('0001-01-01T00:00:00Z')).toBeNull();
  });

  it('rejects malformed or impossible dates and years whose micros are unsafe', () => {
    for (const text of [
      '2026-02-30T00:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-11-23 10:15',
      '2026-11-23T25:00:00Z',
      '',
    ]) {
      expect(parseTimestamp(text)).toBe('invalid');
    }
    expect(parseTimestamp('2024-02-29T00:00:00Z')).toBe(Date.parse('2024-02-29T00:00:00Z') * 1000);
    expect(parseTimestamp('1500-01-01T00:00:00Z')).toBe('out_of_range');
  });
});

describe('parseTimestamp on malformed input', () => {
  it.each([
    '2026-11-23T10:15:02.Z',
    '2026-11-23T10:15:02.1234567890Z',
    '2026-11-23T10:15:02',
    '2026-11-23T10:15:02+0200',
    '2026-11-23T10:15:02+02:00x',
    '2026-11-23X10:15:02Z',
    '2026/11/23T10:15:02Z',
    '2026-11-23T10:60:02Z',
    '2026-13-23T10:15:02Z',
    '-026-11-23T10:15:02Z',
    '2026-11-23T10:15:02.12a4Z',
  ])('rejects %s', (text) => {
    expect(parseTimestamp(text)).toBe('invalid');
  });

  it('accepts lower-case t and z and a space separator', () => {
    const expected = Date.parse('2026-11-23T10:15:02Z') * 1000;
    expect(parseTimestamp('2026-11-23t10:15:02z')).toBe(expected);
    expect(parseTimestamp('2026-11-23 10:15:02Z')).toBe(expected);
  });
});
