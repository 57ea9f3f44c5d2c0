import type { MetricFamily } from '@opa-fleet/contracts';
import { describe, expect, it } from 'vitest';
import { FlattenError, flattenMetricFamilies } from '../src';

const metric = (over: Partial<MetricFamily['metrics'][number]>) => ({
  labels: [],
  value: null,
  summary: null,
  histogram: null,
  timestamp_ms: null,
  created_timestamp: null,
  ...over,
});

describe('flattenMetricFamilies', () => {
  it("gives every sample of a metric its family's unit and the metric's created timestamp", () => {
    const created = 1_764_578_166_126_986;
    const samples = flattenMetricFamilies([
      {
        name: 'h_seconds',
        help: null,
        type: 'HISTOGRAM',
        unit: 'seconds',
        metrics: [
          metric({
            histogram: {
              sample_count: 2,
              sample_sum: 0.5,
              buckets: [{ upper_bound: 1, cumulative_count: 2 }],
            },
            created_timestamp: created,
          }),
        ],
      },
      { name: 'g_bytes', help: null, type: 'GAUGE', unit: 'bytes', metrics: [metric({ value: 1 })] },
      { name: 'c_total', help: null, type: 'COUNTER', unit: null, metrics: [metric({ value: 3 })] },
    ]);
    expect(samples.map((s) => [s.name, s.unit, s.created_timestamp_us])).toEqual([
      ['h_seconds_bucket', 'seconds', created],
      ['h_seconds_bucket', 'seconds', created],
      ['h_seconds_sum', 'seconds', created],
      ['h_seconds_count', 'seconds', created],
      ['g_bytes', 'bytes', null],
      ['c_total', '', null],
    ]);
  });

  it('writes counter, gauge and untyped as one sample named after the family', () => {
    const samples = flattenMetricFamilies([
      { name: 'c_total', help: null, type: 'COUNTER', unit: null, metrics: [metric({ value: 3 })] },
      {
        name: 'g',
        help: null,
        type: 'GAUGE',
        unit: null,
        metrics: [metric({ value: 1.5, labels: [{ name: 'a', value: 'x' }] })],
      },
      {
        name: 'u',
        help: null,
        type: 'UNTYPED',
        unit: null,
        metrics: [metric({ value: 7, timestamp_ms: 1000, created_timestamp: null })],
      },
    ]);
    expect(samples).toEqual([
      {
        family: 'c_total',
        type: 'COUNTER',
        name: 'c_total',
        label_names: [],
        label_values: [],
        value: 3,
        timestamp_ms: null,
        unit: '',
        created_timestamp_us: null,
      },
      {
        family: 'g',
        type: 'GAUGE',
        name: 'g',
        label_names: ['a'],
        label_values: ['x'],
        value: 1.5,
        timestamp_ms: null,
        unit: '',
        created_timestamp_us: null,
      },
      {
        family: 'u',
        type: 'UNTYPED',
        name: 'u',
        label_names: [],
        label_values: [],
        value: 7,
        timestamp_ms: 1000,
        unit: '',
        created_timestamp_us: null,
      },
    ]);
  });

  it('writes a summary as quantile samples plus _sum and _count, quantile label last', () => {
    const samples = flattenMetricFamilies([
      {
        name: 's',
        help: null,
        type: 'SUMMARY',
        unit: null,
        metrics: [
          metric({
            labels: [{ name: 'h', value: 'v' }],
            summary: {
              sample_count: 4,
              sample_sum: 0.5,
              quantiles: [
                { quantile: 0.5, value: 0.1 },
                { quantile: 0.99, value: 0.4 },
              ],
            },
          }),
        ],
      },
    ]);
    expect(samples.map((s) => [s.name, s.label_names, s.label_values, s.value])).toEqual([
      ['s', ['h', 'quantile'], ['v', '0.5'], 0.1],
      ['s', ['h', 'quantile'], ['v', '0.99'], 0.4],
      ['s_sum', ['h'], ['v'], 0.5],
      ['s_count', ['h'], ['v'], 4],
    ]);
  });

  it('writes histogram buckets cumulatively with the implicit +Inf bucket equal to the count', () => {
    const samples = flattenMetricFamilies([
      {
        name: 'h',
        help: null,
        type: 'HISTOGRAM',
        unit: null,
        metrics: [
          metric({
            histogram: {
              sample_count: 5,
              sample_sum: 1.25,
              buckets: [
                { upper_bound: 0.000001, cumulative_count: 1 },
                { upper_bound: 1, cumulative_count: 4 },
              ],
            },
          }),
        ],
      },
    ]);
    expect(samples.map((s) => [s.name, s.label_values, s.value])).toEqual([
      ['h_bucket', ['1e-06'], 1],
      ['h_bucket', ['1'], 4],
      ['h_bucket', ['+Inf'], 5],
      ['h_sum', [], 1.25],
      ['h_count', [], 5],
    ]);
  });

  it('does not add a second +Inf bucket when the record already has one', () => {
    const samples = flattenMetricFamilies([
      {
        name: 'gh',
        help: null,
        type: 'GAUGE_HISTOGRAM',
        unit: null,
        metrics: [
          metric({
            histogram: {
              sample_count: 2,
              sample_sum: 3,
              buckets: [
                { upper_bound: 1, cumulative_count: 1 },
                { upper_bound: Number.POSITIVE_INFINITY, cumulative_count: 2 },
              ],
            },
          }),
        ],
      },
    ]);
    expect(samples.filter((s) => s.name === 'gh_bucket').map((s) => s.label_values[0])).toEqual([
      '1',
      '+Inf',
    ]);
    expect(samples.map((s) => s.type)).toEqual(Array(4).fill('GAUGE_HISTOGRAM'));
  });

  it('rejects a histogram family whose metric has no histogram, naming the path', () => {
    const run = () =>
      flattenMetricFamilies([
        { name: 'h', help: null, type: 'HISTOGRAM', unit: null, metrics: [metric({ value: 1 })] },
      ]);
    expect(run).toThrow(FlattenError);
    try {
      run();
    } catch (e) {
      expect((e as FlattenError).code).toBe('MISSING_METRIC_VALUE');
      expect((e as FlattenError).path).toBe('metric_families[0].metrics[0].histogram');
    }
  });
});
