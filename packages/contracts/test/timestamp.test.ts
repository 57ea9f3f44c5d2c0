import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp, TIMESTAMP_PATTERN, type TimestampResult } from '../src/timestamp';

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

describe('TIMESTAMP_PATTERN (stated by the gateway API document)', () => {
  const pattern = new RegExp(TIMESTAMP_PATTERN);
  const accepted = (text: string) => {
    const parsed = parseTimestamp(text);
    return parsed === null || typeof parsed === 'number';
  };
  const pad = (n: number, width: number) => String(n).padStart(width, '0');
  // Near-valid timestamps: every field drawn a little past its range, so both sides of each rule show up.
  const nearValid = fc
    .record({
      year: fc.oneof(fc.integer({ min: 1, max: 9999 }), fc.integer({ min: 1690, max: 2260 }), fc.constant(1)),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 24 }),
      minute: fc.integer({ min: 0, max: 60 }),
      second: fc.integer({ min: 0, max: 61 }),
      fraction: fc.oneof(fc.constant(''), fc.stringMatching(/^\.[0-9]{0,10}$/)),
      separator: fc.constantFrom('T', 't', ' ', 'x'),
      zone: fc.constantFrom('Z', 'z', '+00:00', '-00:00', '+02:00', '-23:59', '+24:00', '+01:60', 'Q', ''),
    })
    .map(
      (t) =>
        `${pad(t.year, 4)}-${pad(t.month, 2)}-${pad(t.day, 2)}${t.separator}${pad(t.hour, 2)}:` +
        `${pad(t.minute, 2)}:${pad(t.second, 2)}${t.fraction}${t.zone}`,
    );

  it('matches exactly the texts parseTimestamp accepts', () => {
    fc.assert(
      fc.property(fc.oneof(nearValid, fc.string({ maxLength: 40 })), (text) => {
        expect(pattern.test(text), text).toBe(accepted(text));
      }),
      { numRuns: 20_000 },
    );
    for (const text of [
      '0001-01-01T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2250-12-31T23:59:60.123456789-23:59',
    ]) {
      expect(pattern.test(text), text).toBe(accepted(text));
    }
  });

  it('refuses years outside 1700..2250 and spellings of the zero time Go never writes', () => {
    expect(parseTimestamp('1699-12-31T23:59:59Z')).toBe('out_of_range');
    expect(parseTimestamp('2251-01-01T00:00:00Z')).toBe('out_of_range');
    expect(parseTimestamp('1700-01-01T00:00:00+01:00')).toBe(Date.parse('1699-12-31T23:00:00Z') * 1000);
    expect(parseTimestamp('0001-01-01T00:00:00.000Z')).toBeNull();
    expect(parseTimestamp('0001-01-01T01:00:00+01:00')).toBe('out_of_range');
  });
});

describe('parseTimestamp within the second of the last one (the created timestamps of a report)', () => {
  const second = Date.parse('2026-12-01T08:36:06Z') * 1000;
  it('reads only the fraction, as a full parse would', () => {
    const texts: [string, TimestampResult][] = [
      ['2026-12-01T08:36:06.126986250Z', second + 126_986],
      ['2026-12-01T08:36:06.1Z', second + 100_000],
      ['2026-12-01T08:36:06Z', second],
      ['2026-12-01T08:36:06.999999999Z', second + 999_999],
      ['2026-12-01T08:36:06.000001z', second + 1],
      ['2026-12-01T08:36:06.12345Z', second + 123_450],
      ['2026-12-01T08:36:06+01:00', second - 3_600_000_000],
      ['2026-12-01T08:36:06.Z', 'invalid'],
      ['2026-12-01T08:36:06.1234567890Z', 'invalid'],
      ['2026-12-01T08:36:06.12a4Z', 'invalid'],
      ['2026-12-01T08:36:06.5', 'invalid'],
      ['2026-12-01T08:36:07.5Z', second + 1_500_000],
      ['2026-12-01T08:36:06.25Z', second + 250_000],
    ];
    for (const [text, expected] of texts) expect(parseTimestamp(text), text).toBe(expected);
  });
});
