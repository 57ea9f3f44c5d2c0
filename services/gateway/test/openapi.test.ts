// The API document states the numbers the gateway enforces (DEFAULT_LIMITS, VALUE_RANGES, the config),
// follows the configuration, and its body schemas agree with the normalizers: every OPA fixture is valid
// by them, and bodies the gateway refuses are invalid (checked with Ajv, a JSON Schema 2020-12 validator).
// test/e2e/api-conformance.e2e.test.ts holds the document against a running gateway with schemathesis.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_LIMITS, VALUE_RANGES } from '@opa-fleet/contracts';
import { Ajv2020 } from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fixtureNames, fixturesDir, readFixture } from '../../../test/support/fixtures';
import { loadGatewayConfig } from '../src/config';
import { decimalPattern, openApiDocument } from '../src/openapi';
import { buildTestApp } from './gateway-harness';

// biome-ignore lint/suspicious/noExplicitAny: the document is navigated by path in assertions
type Json = any;

const config = (env: Record<string, string> = {}) =>
  loadGatewayConfig({ KAFKA_BROKERS: '127.0.0.1:1', ...env });
const documentOf = (env: Record<string, string> = {}): Json =>
  JSON.parse(JSON.stringify(openApiDocument(config(env), DEFAULT_LIMITS)));

function validatorOf(doc: Json, schema: string) {
  const ajv = new Ajv2020({ strict: false, allErrors: false });
  ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
  return ajv.compile({ $ref: `doc#/components/schemas/${schema}` });
}

const REAL_OPA = fileURLToPath(new URL('../../../test/fixtures/opa-real/', import.meta.url));

/** What the gateway itself answers to a status body. */
async function postStatus(body: unknown) {
  const t = await buildTestApp();
  return t.app.inject({
    method: 'POST',
    url: '/status',
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

describe('the API document', () => {
  it('is what GET /openapi.json serves', async () => {
    const t = await buildTestApp();
    const served = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(served.headers['content-type']).toMatch(/^application\/json/);
    expect(served.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument(t.config, DEFAULT_LIMITS))));
  });

  it('states the limits the normalizers enforce, from DEFAULT_LIMITS and VALUE_RANGES', () => {
    const { schemas } = documentOf().components;
    const L = DEFAULT_LIMITS.maxLabelLength;
    expect(schemas.VersionReport.properties.id).toMatchObject({ minLength: 1, maxLength: L });
    expect(schemas.VersionReport.properties.version).toMatchObject({ minLength: 1, maxLength: L });
    expect(schemas.VersionReport.properties.heap_usage_bytes).toMatchObject({
      minimum: 0,
      maximum: VALUE_RANGES.maxCount,
    });
    expect(schemas.Labels).toMatchObject({
      maxProperties: DEFAULT_LIMITS.maxLabels,
      propertyNames: { maxLength: L },
      properties: { id: { minLength: 1, maxLength: L }, version: { minLength: 1, maxLength: L } },
      additionalProperties: { maxLength: L },
    });
    const status = schemas.StatusReport.properties;
    expect(status.bundles.maxProperties).toBe(DEFAULT_LIMITS.maxBundles);
    expect(status.plugins.maxProperties).toBe(DEFAULT_LIMITS.maxPlugins);
    expect(schemas.Bundle.properties.errors.maxItems).toBe(DEFAULT_LIMITS.maxBundleErrors);
    expect(schemas.Bundle.properties.metrics.maxProperties).toBe(DEFAULT_LIMITS.maxBundleMetrics);
    expect(schemas.Bundle.properties.message.maxLength).toBe(DEFAULT_LIMITS.maxStringLength);
    expect(schemas.Bundle.properties.http_code.maximum).toBe(VALUE_RANGES.maxHttpCode);
    expect(schemas.BundleError.properties.location.properties.row.maximum).toBe(VALUE_RANGES.maxPosition);
    expect(schemas.PrometheusMetrics).toMatchObject({
      maxItems: DEFAULT_LIMITS.maxMetricFamilies,
      maxProperties: DEFAULT_LIMITS.maxMetricFamilies,
    });
    expect(schemas.PrometheusMetrics.description).toContain(String(DEFAULT_LIMITS.maxSamples));
    expect(schemas.Metric.properties.label.maxItems).toBe(DEFAULT_LIMITS.maxMetricLabels);
    expect(schemas.StatusReport.description).toContain(String(DEFAULT_LIMITS.maxJsonLength));
  });

  it('follows the configuration: body limit, partition length, auth, refused partitions, Retry-After', () => {
    const plain = documentOf();
    const partition = () => plain.paths['/status/{partition}'].post;
    expect(partition().parameters.find((p: Json) => p.name === 'partition').schema.maxLength).toBe(200);
    expect(plain.paths['/status'].post.requestBody.description).toContain('1048576 bytes');
    expect(plain.paths['/status'].post.responses).not.toHaveProperty('401');
    expect(plain.paths['/status'].post.responses).not.toHaveProperty('403');
    expect(plain.components).not.toHaveProperty('securitySchemes');

    const tuned = documentOf({
      BODY_LIMIT_BYTES: '4096',
      STATUS_PARTITION_MAX_LENGTH: '40',
      STATUS_PARTITION_OVERFLOW: 'reject',
      STATUS_AUTH_TOKENS: 'secret',
      RETRY_AFTER_SECONDS: '9',
    });
    const op = tuned.paths['/status/{partition}'].post;
    expect(op.parameters.find((p: Json) => p.name === 'partition').schema.maxLength).toBe(40);
    expect(op.requestBody.description).toContain('4096 bytes');
    expect(op.security).toEqual([{ bearer: [] }]);
    expect(op.responses).toHaveProperty('401');
    expect(op.responses).toHaveProperty('403');
    expect(op.responses['503'].headers['Retry-After'].schema.const).toBe(9);
    expect(tuned.components.securitySchemes.bearer.scheme).toBe('bearer');
  });

  it('lists GET and HEAD on the release and operations paths, with the release headers', () => {
    const { paths } = documentOf();
    for (const path of ['/repos/{owner}/{repo}/releases/latest', '/repos/{owner}/{repo}/releases']) {
      expect(Object.keys(paths[path])).toEqual(['get', 'head']);
      expect(Object.keys(paths[path].get.responses['200'].headers)).toEqual(['ETag', 'Cache-Control']);
      expect(paths[path].get.responses['304'].headers).toHaveProperty('ETag');
      expect(paths[path].get.responses['404'].content['application/json'].schema.$ref).toMatch(
        /GitHubError$/,
      );
      expect(paths[path].get.responses['503'].headers).toHaveProperty('Retry-After');
    }
    expect(paths['/repos/{owner}/{repo}/releases'].get.responses).toHaveProperty('400');
    for (const path of ['/healthz', '/readyz', '/metrics', '/openapi.json']) {
      expect(Object.keys(paths[path])).toEqual(['get', 'head']);
    }
  });

  it('decimalPattern matches exactly the decimal numbers 0..max', () => {
    for (const max of [0, 7, 10, 999, VALUE_RANGES.maxPosition, VALUE_RANGES.maxCount]) {
      const pattern = new RegExp(decimalPattern(max));
      expect(pattern.test(String(max))).toBe(true);
      expect(pattern.test(String(BigInt(max) + 1n))).toBe(false);
      fc.assert(
        fc.property(fc.bigInt({ min: 0n, max: BigInt(max) * 3n + 20n }), fc.nat(3), (n, zeros) => {
          const text = '0'.repeat(zeros) + String(n);
          expect(pattern.test(text)).toBe(n <= BigInt(max));
        }),
      );
    }
  });
});

describe('the body schemas and the normalizers', () => {
  const doc = documentOf();
  const status = validatorOf(doc, 'StatusReport');
  const version = validatorOf(doc, 'VersionReport');

  it('accept every OPA fixture, hand-made and recorded from real OPA binaries', () => {
    for (const name of fixtureNames().filter((n) => n.startsWith('status-'))) {
      expect(status(readFixture(name)), `${name}: ${JSON.stringify(status.errors)}`).toBe(true);
    }
    expect(version(readFixture('telemetry-request.json'))).toBe(true);
    for (const dir of readdirSync(REAL_OPA)) {
      for (const name of ['status.json', 'status-prometheus.json']) {
        const body = JSON.parse(readFileSync(join(REAL_OPA, dir, name), 'utf8'));
        expect(status(body), `${dir}/${name}: ${JSON.stringify(status.errors)}`).toBe(true);
      }
    }
    expect(fixturesDir).toBeTruthy();
  });

  it.each([
    ['an empty labels.id', { labels: { id: '', version: 'v1' } }],
    ['a labels.id of 257 characters', { labels: { id: 'x'.repeat(257), version: 'v1' } }],
    ['a label value that is not a string', { labels: { id: 'a', version: 'v1', zone: 1 } }],
    [
      'a bundle key longer than the name limit',
      { labels: { id: 'a', version: 'v1' }, bundles: { ['b'.repeat(257)]: { name: 'b' } } },
    ],
    [
      'a timestamp in the year 1699',
      { labels: { id: 'a', version: 'v1' }, bundle: { last_request: '1699-12-31T23:59:59Z' } },
    ],
    [
      'February 30th',
      { labels: { id: 'a', version: 'v1' }, bundle: { last_request: '2024-02-30T00:00:00Z' } },
    ],
    [
      'a double in hex',
      {
        labels: { id: 'a', version: 'v1' },
        metrics: { prometheus: [{ name: 'g', type: 1, metric: [{ gauge: { value: '0x10' } }] }] },
      },
    ],
    [
      'both spellings of sample_sum',
      {
        labels: { id: 'a', version: 'v1' },
        metrics: {
          prometheus: [{ name: 'h', type: 4, metric: [{ histogram: { sample_sum: 1, sampleSum: 1 } }] }],
        },
      },
    ],
    [
      'a GAUGE metric without gauge',
      {
        labels: { id: 'a', version: 'v1' },
        metrics: { prometheus: [{ name: 'g', type: 'GAUGE', metric: [{ counter: { value: 1 } }] }] },
      },
    ],
    [
      'a second metric unlike the first (type inferred)',
      {
        labels: { id: 'a', version: 'v1' },
        metrics: { prometheus: [{ name: 'c', metric: [{ counter: {} }, { gauge: {} }] }] },
      },
    ],
    ['an empty family key', { labels: { id: 'a', version: 'v1' }, metrics: { prometheus: { '': 1 } } }],
    [
      'a __proto__ key deep in an unknown field',
      { labels: { id: 'a', version: 'v1' }, extra: [{ ['__proto__']: 1 }] },
    ],
  ])('refuse %s, as the gateway does', async (_what, body) => {
    expect(status(JSON.parse(JSON.stringify(body)))).toBe(false);
    const r = await postStatus(body);
    expect(r.statusCode, r.body).toBe(400);
  });

  it.each([
    ['astral characters counted as one each', { labels: { id: '😀'.repeat(256), version: 'v1' } }],
    [
      'a leap day',
      { labels: { id: 'a', version: 'v1' }, bundle: { last_request: '2024-02-29T10:00:00.123456789+02:00' } },
    ],
    [
      "Go's zero time",
      { labels: { id: 'a', version: 'v1' }, bundle: { last_request: '0001-01-01T00:00:00Z' } },
    ],
    ['a string value "__proto__"', { labels: { id: '__proto__', version: 'v1' } }],
    [
      'doubles as protobuf-JSON strings',
      {
        labels: { id: 'a', version: 'v1' },
        metrics: {
          prometheus: [
            {
              name: 's',
              type: 'SUMMARY',
              metric: [
                {
                  summary: {
                    sampleSum: '-Infinity',
                    sampleCount: '3',
                    quantile: [{ quantile: '0.5', value: 'NaN' }],
                  },
                },
              ],
            },
          ],
        },
      },
    ],
    [
      'plain numbers in the object spelling',
      { labels: { id: 'a', version: 'v1' }, metrics: { prometheus: { counter_x: 4.5 } } },
    ],
  ])('accept %s, as the gateway does', async (_what, body) => {
    expect(status(body), JSON.stringify(status.errors)).toBe(true);
    const r = await postStatus(body);
    expect(r.statusCode, r.body).toBe(200);
  });
});
