import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/support/fixtures';
import { DEFAULT_LIMITS, type NormalizeContext, normalizeStatus } from '../src/index';
import { contractErrorOf } from './support/errors';

const ctx: NormalizeContext = { eventId: 'e', receivedAt: 1, gatewayId: 'g' };
const labels = { id: 'i-1', version: '1.4.2' };
const normalize = (body: unknown) => normalizeStatus(body, ctx);

describe('normalizeStatus', () => {
  it('rejects bodies that are not JSON objects at $', () => {
    for (const body of [null, undefined, [], 'x', 5, true]) {
      expect(contractErrorOf(() => normalize(body))).toEqual({ code: 'INVALID_TYPE', path: '$' });
    }
  });

  it('requires labels.id and labels.version', () => {
    expect(contractErrorOf(() => normalize({}))).toEqual({ code: 'MISSING_FIELD', path: '$.labels' });
    expect(contractErrorOf(() => normalize({ labels: { version: 'v' } }))).toEqual({
      code: 'MISSING_FIELD',
      path: '$.labels.id',
    });
    expect(contractErrorOf(() => normalize({ labels: { id: 'i' } }))).toEqual({
      code: 'MISSING_FIELD',
      path: '$.labels.version',
    });
    expect(contractErrorOf(() => normalize({ labels: { id: 7, version: 'v' } }))).toEqual({
      code: 'INVALID_TYPE',
      path: '$.labels.id',
    });
    expect(contractErrorOf(() => normalize({ labels: { id: '', version: 'v' } }))).toEqual({
      code: 'INVALID_VALUE',
      path: '$.labels.id',
    });
    expect(contractErrorOf(() => normalize({ labels: { ...labels, 'k8s.io/zone': 1 } }))).toEqual({
      code: 'INVALID_TYPE',
      path: '$.labels["k8s.io/zone"]',
    });
    expect(
      contractErrorOf(() => normalize({ labels: JSON.parse('{"id":"i","version":"v","__proto__":"x"}') })),
    ).toEqual({
      code: 'INVALID_VALUE',
      path: '$.labels.__proto__',
    });
  });

  it('reads http_code as number or numeric string, with a precise error otherwise', () => {
    const body = (http_code: unknown) => ({ labels, bundles: { 'http/example/authz': { http_code } } });
    expect(normalize(body(404)).bundles[0]!.http_code).toBe(404);
    expect(normalize(body('404')).bundles[0]!.http_code).toBe(404);
    expect(contractErrorOf(() => normalize(body('Not Found')))).toEqual({
      code: 'INVALID_TYPE',
      path: '$.bundles["http/example/authz"].http_code',
    });
    expect(contractErrorOf(() => normalize(body(40400)))).toEqual({
      code: 'INVALID_VALUE',
      path: '$.bundles["http/example/authz"].http_code',
    });
  });

  it('reads a bundle size of -0 as 0, which is what an Avro long can carry', () => {
    const size = normalize({ labels, bundles: { b: { size: -0 } } }).bundles[0]!.size;
    expect(Object.is(size, 0)).toBe(true);
  });

  it('names bundles after their key unless the object has a name', () => {
    const record = normalize({ labels, bundles: { a: {}, b: { name: 'bee' } } });
    expect(record.bundles.map((b) => b.name)).toEqual(['a', 'bee']);
  });

  it('keeps unknown keys and non-numeric bundle metrics as JSON', () => {
    const record = normalize({
      labels,
      bundles: {
        a: {
          metrics: { timer_ns: 5, histogram_x: { count: 1 } },
          future_field: [1, 2],
        },
      },
      decision_logs: { code: 'c', buffer_bytes: 10 },
      plugins: { custom: { state: 'WARN', message: 'm', since: 't' } },
      metrics: { prometheus: [], opencensus: { a: 1 } },
      config_hash: 'abc',
    });
    const bundle = record.bundles[0]!;
    expect(bundle.metrics).toEqual({ timer_ns: 5 });
    expect(JSON.parse(bundle.extra_json!)).toEqual({
      metrics: { histogram_x: { count: 1 } },
      future_field: [1, 2],
    });
    expect(record.decision_logs).toEqual({
      code: 'c',
      message: null,
      http_code: null,
      extra_json: '{"buffer_bytes":10}',
    });
    expect(record.plugins).toEqual([
      { name: 'custom', state: 'WARN', message: 'm', extra_json: '{"since":"t"}' },
    ]);
    expect(record.other_metrics_json).toBe('{"opencensus":{"a":1}}');
    expect(record.extra_json).toBe('{"config_hash":"abc"}');
  });

  it('keeps a __proto__ key among unknown fields', () => {
    const record = normalize(JSON.parse('{"labels":{"id":"i","version":"v"},"__proto__":{"x":1}}'));
    expect(record.extra_json).toBe('{"__proto__":{"x":1}}');
  });

  it('treats null like an absent field', () => {
    const record = normalize({
      labels,
      bundles: null,
      bundle: null,
      discovery: null,
      plugins: null,
      metrics: null,
    });
    expect(record).toMatchObject({
      bundles: [],
      legacy_bundle: null,
      discovery: null,
      plugins: [],
      metric_families: [],
    });
  });

  it('converts timestamps with offsets and reports malformed ones', () => {
    const at = (t: unknown) =>
      normalize({ labels, bundles: { a: { last_request: t } } }).bundles[0]!.last_request;
    expect(at('2026-11-23T12:15:01.000001999+02:00')).toBe(Date.parse('2026-11-23T10:15:01Z') * 1000 + 1);
    expect(at('0001-01-01T00:00:00Z')).toBeNull();
    expect(contractErrorOf(() => at('yesterday'))).toEqual({
      code: 'INVALID_VALUE',
      path: '$.bundles.a.last_request',
    });
    expect(contractErrorOf(() => at(1700000000))).toEqual({
      code: 'INVALID_TYPE',
      path: '$.bundles.a.last_request',
    });
  });

  it('reports wrong types inside bundle errors by path', () => {
    const body = { labels, bundles: { b: { errors: [{ code: 'x', location: { file: 'f', row: 'one' } }] } } };
    expect(contractErrorOf(() => normalize(body))).toEqual({
      code: 'INVALID_TYPE',
      path: '$.bundles.b.errors[0].location.row',
    });
  });

  it('requires a plugin state', () => {
    expect(contractErrorOf(() => normalize({ labels, plugins: { bundle: {} } }))).toEqual({
      code: 'MISSING_FIELD',
      path: '$.plugins.bundle.state',
    });
  });

  it('takes partition and client platform from the context', () => {
    const record = normalizeStatus({ labels }, { ...ctx, partition: 'team a', userAgent: 'curl/8.5.0' });
    expect(record.partition).toBe('team a');
    expect(record.client).toEqual({
      user_agent: 'curl/8.5.0',
      agent: 'curl',
      agent_version: '8.5.0',
      os: null,
      arch: null,
    });
  });
});

describe('limits', () => {
  const many = (n: number, value: (i: number) => unknown) =>
    Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value(i)]));

  it('are generous enough for every fixture', () => {
    expect(() => normalize(readFixture('status-full.json'))).not.toThrow();
    expect(DEFAULT_LIMITS.maxLabels).toBe(64);
  });

  it('counts characters as Unicode code points, as JSON Schema does (an emoji is one)', () => {
    const id = '😀'.repeat(256);
    expect(normalize({ labels: { id, version: 'v' } }).labels.id).toBe(id);
    expect(contractErrorOf(() => normalize({ labels: { id: `${id}x`, version: 'v' } }))).toEqual({
      code: 'LIMIT_EXCEEDED',
      path: '$.labels.id',
    });
  });

  it('holds a bundle key to the name limit even where `name` is sent', () => {
    expect(
      contractErrorOf(() => normalize({ labels, bundles: { ['b'.repeat(257)]: { name: 'b' } } })),
    ).toEqual({
      code: 'LIMIT_EXCEEDED',
      path: `$.bundles.${'b'.repeat(257)}`,
    });
  });

  it.each([
    ['maxLabels', { labels: { ...labels, ...many(63, () => 'v') } }, '$.labels'],
    ['maxLabelLength', { labels: { ...labels, region: 'x'.repeat(257) } }, '$.labels.region'],
    ['maxLabelLength', { labels: { ...labels, ['y'.repeat(257)]: 'v' } }, `$.labels.${'y'.repeat(257)}`],
    ['maxBundles', { labels, bundles: many(257, () => ({})) }, '$.bundles'],
    ['maxPlugins', { labels, plugins: many(65, () => ({ state: 'OK' })) }, '$.plugins'],
    ['maxMetricFamilies', { labels, metrics: { prometheus: many(513, () => 1) } }, '$.metrics.prometheus'],
    [
      'maxSamples',
      {
        labels,
        metrics: {
          prometheus: [
            {
              name: 'h',
              type: 4,
              metric: Array.from({ length: 1000 }, () => ({ histogram: { bucket: new Array(9).fill({}) } })),
            },
          ],
        },
      },
      '$.metrics.prometheus[0].metric[833]',
    ],
    ['maxStringLength', { labels, decision_logs: { message: 'm'.repeat(4097) } }, '$.decision_logs.message'],
    [
      'maxBundleErrors',
      { labels, bundles: { b: { errors: new Array(129).fill({}) } } },
      '$.bundles.b.errors',
    ],
    ['maxJsonLength', { labels, blob: 'z'.repeat(70_000) }, '$'],
  ])('%s breach is LIMIT_EXCEEDED at its path', (_, body, path) => {
    expect(contractErrorOf(() => normalize(body))).toEqual({ code: 'LIMIT_EXCEEDED', path });
  });

  it('can be overridden per call', () => {
    const body = { labels, bundles: { a: {}, b: {} } };
    expect(normalize(body).bundles).toHaveLength(2);
    expect(contractErrorOf(() => normalizeStatus(body, ctx, { maxBundles: 1 }))).toEqual({
      code: 'LIMIT_EXCEEDED',
      path: '$.bundles',
    });
  });
});
