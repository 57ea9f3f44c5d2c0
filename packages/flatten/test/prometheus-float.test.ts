import { describe, expect, it } from 'vitest';
import { formatPrometheusFloat } from '../src';

describe('formatPrometheusFloat (Go strconv.FormatFloat(f, g, -1, 64))', () => {
  it.each([
    [0.005, '0.005'],
    [1, '1'],
    [2.5, '2.5'],
    [10, '10'],
    [0.0001, '0.0001'],
    [0.00001, '1e-05'],
    [0.000001, '1e-06'],
    [5e-6, '5e-06'],
    [1.5e-7, '1.5e-07'],
    [100000, '100000'],
    [1000000, '1e+06'],
    [123456789, '1.23456789e+08'],
    [1e21, '1e+21'],
    [1e100, '1e+100'],
    [0, '0'],
    [-0.25, '-0.25'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
    [Number.NaN, 'NaN'],
  ])('formats %s as %s', (value, expected) => {
    expect(formatPrometheusFloat(value)).toBe(expected);
  });
});
