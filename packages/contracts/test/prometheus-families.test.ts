import { describe, expect, it } from 'vitest';
import { ContractError, type MetricFamily, type NormalizeContext, normalizeStatus } from '../src/index';

const ctx: NormalizeContext = { eventId: 'e', receivedAt: 0, gatewayId: 'g' };

function families(prometheus: unknown): MetricFamily[] {
  return normalizeStatus({ labels: { id: 'i', version: 'v' }, metrics: { prometheus } }, ctx).metric_families;
}

function errorOf(prometheus: unknown): { code: string; path: string | null } {
  try {
    families(prometheus);
  } catch (err) {
    expect(err).toBeInstanceOf(ContractError);
    const { code, path } = err as ContractError;
    return { code, path };
  }
  throw new Error('expected a ContractError');
}

// One histogram, one summary, one counter and one gauge, in each spelling OPA uses.
const goJson = [
  {
    name: 'http_request_duration_seconds',
    help: 'A histogram of duration for requests.',
    type: 4,
    metric: [
      {
        label: [
          { name: 'method', value: 'get' },
          { name: 'code', value: '200' },
          { name: 'handler', value: 'v1/data' },
        ],
        histogram: {
          sample_count: 2,
          sample_sum: 0.00060022,
          bucket: [
            { cumulative_count: 0, upper_bound: 0.0001 },
            { cumulative_count: 2, upper_bound: 0.0005 },
          ],
        },
        timestamp_ms: 1763892902000,
        created_timestamp: null,
      },
    ],
  },
  {
    name: 'go_gc_duration_seconds',
    help: 'A summary of the pause duration of garbage collection cycles.',
    type: 2,
    metric: [
      {
        summary: {
          sample_count: 3,
          sample_sum: 4.1765e-5,
          quantile: [
            { quantile: 0.5, value: 1e-5 },
            { quantile: 1, value: 2e-5 },
          ],
        },
      },
    ],
  },
  {
    name: 'opa_bundle_request_total',
    help: 'Total number of bundle requests.',
    type: 0,
    metric: [{ label: [{ name: 'code', value: '200' }], counter: { value: 312 } }],
  },
  { name: 'go_goroutines', help: 'Number of goroutines.', type: 1, metric: [{ gauge: { value: 11 } }] },
];

const protoJson = [
  {
    name: 'http_request_duration_seconds',
    help: 'A histogram of duration for requests.',
    type: 'HISTOGRAM',
    metric: [
      {
        label: [
          { name: 'handler', value: 'v1/data' },
          { name: 'code', value: '200' },
          { name: 'method', value: 'get' },
        ],
        histogram: {
          sampleCount: '2',
          sampleSum: 0.00060022,
          bucket: [
            { cumulativeCount: '0', upperBound: 0.0001 },
            { cumulativeCount: '2', upperBound: 0.0005 },
          ],
        },
        timestampMs: '1763892902000',
      },
    ],
  },
  {
    name: 'go_gc_duration_seconds',
    help: 'A summary of the pause duration of garbage collection cycles.',
    type: 'SUMMARY',
    metric: [
      {
        summary: {
          sampleCount: '3',
          sampleSum: 4.1765e-5,
          quantile: [
            { quantile: 0.5, value: 1e-5 },
            { quantile: 1, value: 2e-5 },
          ],
        },
      },
    ],
  },
  {
    name: 'opa_bundle_request_total',
    help: 'Total number of bundle requests.',
    type: 'COUNTER',
    metric: [{ label: [{ name: 'code', value: '200' }], counter: { value: 312 } }],
  },
  { name: 'go_goroutines', help: 'Number of goroutines.', type: 'GAUGE', metric: [{ gauge: { value: 11 } }] },
];

const keyedByName = (list: { name: string }[]) => Object.fromEntries(list.map((f) => [f.name, f]));

const canonical: MetricFamily[] = [
  {
    name: 'http_request_duration_seconds',
    help: 'A histogram of duration for requests.',
    type: 'HISTOGRAM',
    unit: null,
    metrics: [
      {
        labels: [
          { name: 'code', value: '200' },
          { name: 'handler', value: 'v1/data' },
          { name: 'method', value: 'get' },
        ],
        value: null,
        summary: null,
        histogram: {
          sample_count: 2,
          sample_sum: 0.00060022,
          buckets: [
            { upper_bound: 0.0001, cumulative_count: 0 },
            { upper_bound: 0.0005, cumulative_count: 2 },
          ],
        },
        timestamp_ms: 1763892902000,
        created_timestamp: null,
      },
    ],
  },
  {
    name: 'go_gc_duration_seconds',
    help: 'A summary of the pause duration of garbage collection cycles.',
    type: 'SUMMARY',
    unit: null,
    metrics: [
      {
        labels: [],
        value: null,
        summary: {
          sample_count: 3,
          sample_sum: 4.1765e-5,
          quantiles: [
            { quantile: 0.5, value: 1e-5 },
            { quantile: 1, value: 2e-5 },
          ],
        },
        histogram: null,
        timestamp_ms: null,
        created_timestamp: null,
      },
    ],
  },
  {
    name: 'opa_bundle_request_total',
    help: 'Total number of bundle requests.',
    type: 'COUNTER',
    unit: null,
    metrics: [
      {
        labels: [{ name: 'code', value: '200' }],
        value: 312,
        summary: null,
        histogram: null,
        timestamp_ms: null,
        created_timestamp: null,
      },
    ],
  },
  {
    name: 'go_goroutines',
    help: 'Number of goroutines.',
    type: 'GAUGE',
    unit: null,
    metrics: [
      { labels: [], value: 11, summary: null, histogram: null, timestamp_ms: null, created_timestamp: null },
    ],
  },
];

describe('metrics.prometheus spellings', () => {
  it.each([
    ['Go-JSON array', goJson],
    ['Go-JSON object keyed by name', keyedByName(goJson)],
    ['protobuf-JSON object keyed by name', keyedByName(protoJson)],
    ['protobuf-JSON array', protoJson],
  ])('%s gives the canonical families', (_, prometheus) => {
    expect(families(prometheus)).toEqual(canonical);
  });

  it('keeps plain numbers of the object form as UNTYPED families with one unlabelled metric', () => {
    expect(families({ counter_x: 2, ...keyedByName(protoJson.slice(3)) })).toEqual([
      {
        name: 'counter_x',
        help: null,
        type: 'UNTYPED',
        unit: null,
        metrics: [
          {
            labels: [],
            value: 2,
            summary: null,
            histogram: null,
            timestamp_ms: null,
            created_timestamp: null,
          },
        ],
      },
      canonical[3],
    ]);
  });

  it('reads GAUGE_HISTOGRAM (type 5) from `histogram`', () => {
    const [family] = families([
      { name: 'g', type: 5, metric: [{ histogram: { sample_count: 1, sample_sum: 1 } }] },
    ]);
    expect(family!.type).toBe('GAUGE_HISTOGRAM');
    expect(family!.metrics[0]!.histogram).toEqual({ sample_count: 1, sample_sum: 1, buckets: [] });
  });

  it('reads protobuf-JSON NaN and infinities', () => {
    const [family] = families([
      {
        name: 'q',
        type: 'SUMMARY',
        metric: [{ summary: { sampleSum: 'NaN', quantile: [{ quantile: 0.5, value: 'Infinity' }] } }],
      },
    ]);
    expect(family!.metrics[0]!.summary).toEqual({
      sample_count: 0,
      sample_sum: Number.NaN,
      quantiles: [{ quantile: 0.5, value: Number.POSITIVE_INFINITY }],
    });
  });

  it('keeps the unit and the created timestamp in both spellings (protobuf-JSON text, Go-JSON Timestamp)', () => {
    const created = 1_796_114_166_126_986; // 2026-12-01T08:36:06.126986250Z, the nanoseconds truncated
    const proto = families({
      go_gc_heap_allocs_bytes_total: {
        name: 'go_gc_heap_allocs_bytes_total',
        type: 'COUNTER',
        unit: 'bytes',
        metric: [{ counter: { value: 3, createdTimestamp: '2026-12-01T08:36:06.126986250Z' } }],
      },
      s: { type: 'SUMMARY', metric: [{ summary: { createdTimestamp: '2026-12-01T08:36:06.126986250Z' } }] },
      h: {
        type: 'HISTOGRAM',
        unit: 'seconds',
        metric: [{ histogram: { createdTimestamp: '2026-12-01T08:36:06.126986Z' } }],
      },
      g: { type: 'GAUGE', unit: 'bytes', metric: [{ gauge: { value: 1 } }] },
    });
    const go = families([
      {
        name: 'go_gc_heap_allocs_bytes_total',
        type: 0,
        unit: 'bytes',
        metric: [
          { counter: { value: 3, created_timestamp: { seconds: 1_796_114_166, nanos: 126_986_250 } } },
        ],
      },
      {
        name: 's',
        type: 2,
        metric: [{ summary: { created_timestamp: { seconds: '1796114166', nanos: 126_986_999 } } }],
      },
      {
        name: 'h',
        type: 4,
        unit: 'seconds',
        metric: [{ histogram: { created_timestamp: { seconds: 1_796_114_166, nanos: 126_986_000 } } }],
      },
      { name: 'g', type: 1, unit: 'bytes', metric: [{ gauge: { value: 1 } }] },
    ]);
    for (const spelled of [proto, go]) {
      expect(spelled.map((f) => [f.name, f.unit, f.metrics[0]!.created_timestamp])).toEqual([
        ['go_gc_heap_allocs_bytes_total', 'bytes', created],
        ['s', null, created],
        ['h', 'seconds', created],
        ['g', 'bytes', null],
      ]);
    }
    // Go's zero time is "never", as everywhere else; so is an explicit null.
    const never = families([
      { name: 'a', type: 0, metric: [{ counter: { value: 1, createdTimestamp: '0001-01-01T00:00:00Z' } }] },
      {
        name: 'b',
        type: 0,
        metric: [{ counter: { value: 1, created_timestamp: { seconds: -62_135_596_800 } } }],
      },
      { name: 'c', type: 0, metric: [{ counter: { value: 1, createdTimestamp: null } }] },
    ]);
    expect(never.map((f) => f.metrics[0]!.created_timestamp)).toEqual([null, null, null]);
  });

  it('names a unit or created timestamp of the wrong type or form by path', () => {
    const counter = (holder: object) => [
      { name: 'c', type: 'COUNTER', metric: [{ counter: { value: 1, ...holder } }] },
    ];
    const at = '$.metrics.prometheus[0].metric[0].counter';
    expect(errorOf([{ name: 'c', type: 0, unit: 7, metric: [] }])).toEqual({
      code: 'INVALID_TYPE',
      path: '$.metrics.prometheus[0].unit',
    });
    expect(errorOf([{ name: 'c', type: 0, unit: 'u'.repeat(257), metric: [] }])).toEqual({
      code: 'LIMIT_EXCEEDED',
      path: '$.metrics.prometheus[0].unit',
    });
    expect(errorOf(counter({ createdTimestamp: 1_796_114_166 }))).toEqual({
      code: 'INVALID_TYPE',
      path: `${at}.createdTimestamp`,
    });
    expect(errorOf(counter({ createdTimestamp: 'yesterday' }))).toEqual({
      code: 'INVALID_VALUE',
      path: `${at}.createdTimestamp`,
    });
    expect(errorOf(counter({ createdTimestamp: '3026-12-01T08:36:06Z' }))).toEqual({
      code: 'INVALID_VALUE',
      path: `${at}.createdTimestamp`,
    });
    expect(errorOf(counter({ created_timestamp: { seconds: 1, nanos: 1e9 } }))).toEqual({
      code: 'INVALID_VALUE',
      path: `${at}.created_timestamp.nanos`,
    });
    expect(errorOf(counter({ created_timestamp: { seconds: -5 } }))).toEqual({
      code: 'INVALID_VALUE',
      path: `${at}.created_timestamp.seconds`,
    });
    expect(errorOf(counter({ created_timestamp: { seconds: 1, millis: 2 } }))).toEqual({
      code: 'INVALID_VALUE',
      path: `${at}.created_timestamp.millis`,
    });
    expect(errorOf(counter({ created_timestamp: [1] }))).toEqual({
      code: 'INVALID_TYPE',
      path: `${at}.created_timestamp`,
    });
    expect(
      errorOf(counter({ createdTimestamp: '2026-12-01T08:36:06Z', created_timestamp: { seconds: 1 } })),
    ).toEqual({ code: 'INVALID_VALUE', path: `${at}.createdTimestamp` });
    expect(errorOf([{ name: 'h', type: 4, metric: [{ histogram: { createdTimestamp: false } }] }])).toEqual({
      code: 'INVALID_TYPE',
      path: '$.metrics.prometheus[0].metric[0].histogram.createdTimestamp',
    });
  });

  it('infers a missing type from the value field', () => {
    expect(families([{ name: 'c', metric: [{ counter: { value: 1 } }] }])[0]!.type).toBe('COUNTER');
    expect(families({ g: { metric: [{ gauge: { value: 1 } }] } })[0]).toMatchObject({
      name: 'g',
      type: 'GAUGE',
    });
  });

  it('refuses a field sent in both spellings (which one counts would be a guess)', () => {
    expect(
      errorOf([{ name: 'h', type: 4, metric: [{ histogram: { sample_sum: 1, sampleSum: 2 } }] }]),
    ).toEqual({
      code: 'INVALID_VALUE',
      path: '$.metrics.prometheus[0].metric[0].histogram.sampleSum',
    });
    expect(
      errorOf([
        {
          name: 'g',
          type: 1,
          metric: [{ gauge: {}, timestamp_ms: null, created_timestamp: null, timestampMs: '5' }],
        },
      ]),
    ).toEqual({
      code: 'INVALID_VALUE',
      path: '$.metrics.prometheus[0].metric[0].timestampMs',
    });
  });

  it('reads doubles in strings only as protobuf-JSON writes them', () => {
    const gauge = (value: string) => [{ name: 'g', type: 1, metric: [{ gauge: { value } }] }];
    expect(families(gauge('-2.5e-7'))[0]!.metrics[0]!.value).toBe(-2.5e-7);
    expect(families(gauge('+Inf'))[0]!.metrics[0]!.value).toBe(Number.POSITIVE_INFINITY);
    for (const loose of ['0x10', ' 1', '.5', '1.', '+1', 'Inf', '']) {
      expect(errorOf(gauge(loose)), loose).toEqual({
        code: 'INVALID_VALUE',
        path: '$.metrics.prometheus[0].metric[0].gauge.value',
      });
    }
  });

  it('holds the keys of the object spelling to the name rules, even where `name` is sent', () => {
    expect(errorOf({ '': { name: 'x', type: 1, metric: [] } })).toEqual({
      code: 'INVALID_VALUE',
      path: '$.metrics.prometheus[""]',
    });
    expect(errorOf({ ['k'.repeat(257)]: { name: 'x', type: 1 } }).code).toBe('LIMIT_EXCEEDED');
  });

  it('names the offending value by path', () => {
    expect(errorOf([{ name: 'x', type: 9, metric: [] }])).toEqual({
      code: 'INVALID_VALUE',
      path: '$.metrics.prometheus[0].type',
    });
    expect(errorOf([{ name: 'x', type: 0, metric: [{ gauge: { value: 1 } }] }])).toEqual({
      code: 'MISSING_FIELD',
      path: '$.metrics.prometheus[0].metric[0].counter',
    });
    expect(
      errorOf({ 'a.b': { type: 'HISTOGRAM', metric: [{ histogram: { sampleCount: 'many' } }] } }),
    ).toEqual({
      code: 'INVALID_TYPE',
      path: '$.metrics.prometheus["a.b"].metric[0].histogram.sampleCount',
    });
    expect(errorOf([{ name: 'x', type: 4, metric: [{ histogram: { sample_count: 2 ** 60 } }] }])).toEqual({
      code: 'INVALID_VALUE',
      path: '$.metrics.prometheus[0].metric[0].histogram.sample_count',
    });
    expect(errorOf([{ type: 1, metric: [] }])).toEqual({
      code: 'MISSING_FIELD',
      path: '$.metrics.prometheus[0].name',
    });
    expect(errorOf({ x: 'seven' })).toEqual({ code: 'INVALID_TYPE', path: '$.metrics.prometheus.x' });
    expect(errorOf([3])).toEqual({ code: 'INVALID_TYPE', path: '$.metrics.prometheus[0]' });
    expect(errorOf('nope')).toEqual({ code: 'INVALID_TYPE', path: '$.metrics.prometheus' });
    expect(
      errorOf([{ name: 'x', type: 1, metric: [{ label: [{ value: 'v' }], gauge: { value: 1 } }] }]),
    ).toEqual({
      code: 'MISSING_FIELD',
      path: '$.metrics.prometheus[0].metric[0].label[0].name',
    });
  });
});
