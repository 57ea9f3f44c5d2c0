// HTTP behaviour of the gateway through inject(): routes, the bad-input table (each rejection with its
// precise body and a metric), auth, load shedding, Kafka-unavailable answers, ops endpoints.
// Kafka is an in-memory stand-in here; gateway.int.test.ts posts to a running gateway with real Kafka.
import { gzipSync } from 'node:zlib';
import {
  createRecordCodec,
  loadSchemaVersions,
  STATUS_SCHEMA_VERSIONS,
  statusCodec,
  telemetryCodec,
} from '@opa-fleet/contracts';
import { KafkaError } from '@opa-fleet/kafka';
import { describe, expect, it } from 'vitest';
import { readFixture, readFixtureText, realOpaStatusBodies } from '../../../test/support/fixtures';
import { loadGatewayConfig } from '../src/config';
import { buildTestApp, RELEASE, unavailable } from './gateway-harness';

const JSON_HEADERS = { 'content-type': 'application/json' };
const STATUS = readFixtureText('status-full.json');
const VERSION = readFixtureText('telemetry-request.json');
const UA = 'Open Policy Agent/v0.12.3 (darwin, amd64)';

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

async function post(
  t: TestApp,
  url: string,
  payload: string | Buffer,
  headers: Record<string, string> = JSON_HEADERS,
) {
  return t.app.inject({ method: 'POST', url, payload, headers });
}

/** Asserts the precise error body and that the rejection metric for that reason went up by one. */
async function expectRejected(
  t: TestApp,
  send: () => Promise<{ statusCode: number; json(): unknown; headers: Record<string, unknown> }>,
  statusCode: number,
  body: { code: string; path?: string | null; message?: unknown },
) {
  const before = await t.metric('gateway_reports_rejected_total', { reason: body.code });
  const response = await send();
  expect(response.statusCode).toBe(statusCode);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  expect(response.json()).toEqual({ path: null, message: expect.any(String), ...body });
  expect(await t.metric('gateway_reports_rejected_total', { reason: body.code })).toBe(before + 1);
  expect(t.producer.sent).toHaveLength(0);
  return response;
}

describe('reports', () => {
  it('produces a version report to the telemetry topic and replies with the latest release', async () => {
    const t = await buildTestApp();
    const response = await post(t, '/v1/version', VERSION, { ...JSON_HEADERS, 'user-agent': UA });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      latest: {
        download: 'https://openpolicyagent.org/downloads/v0.19.2/opa_darwin_amd64',
        release_notes: RELEASE.release_notes,
        latest_release: 'v0.19.2',
        opa_up_to_date: false,
      },
    });
    expect(t.producer.sent).toHaveLength(1);
    const [message] = t.producer.sent;
    expect(message!.topic).toBe('opa.telemetry');
    const record = telemetryCodec.decode(message!.value);
    expect(message!.key).toBe(record.id);
    expect(record).toMatchObject({ gateway_id: 'gw-test', client: { os: 'darwin', arch: 'amd64' } });
    expect(record.id).toBe((readFixture('telemetry-request.json') as { id: string }).id);
  });

  it('replies {} to a version report while no release is known, and still keeps the report', async () => {
    const t = await buildTestApp({}, null);
    const response = await post(t, '/v1/version', VERSION);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({});
    expect(t.producer.sent).toHaveLength(1);
  });

  it.each([
    ['/status', 'opa.status', null],
    ['/status/', 'opa.status', null],
    ['/status/prod-eu', 'opa.status.prod-eu', 'prod-eu'],
  ])('routes %s to %s', async (url, topic, partition) => {
    const t = await buildTestApp();
    const response = await post(t, url, STATUS);
    expect(response.statusCode).toBe(200);
    const record = statusCodec.decode(t.producer.sent[0]!.value);
    expect(response.json()).toEqual({ event_id: record.event_id });
    expect(t.producer.sent[0]!.topic).toBe(topic);
    expect(t.producer.sent[0]!.key).toBe(record.labels.id);
    expect(record.partition).toBe(partition);
  });

  it('writes the configured status schema version (rolling upgrades) and the newest by default', async () => {
    const versions = loadSchemaVersions().get('status-report')!;
    const fingerprintOf = (version: number) =>
      createRecordCodec({ versions, writeVersion: version }).fingerprint.toString('hex');
    const newest = await buildTestApp();
    await post(newest, '/status', STATUS);
    const pinned = await buildTestApp({ STATUS_SCHEMA_VERSION: '1' });
    await post(pinned, '/status', STATUS);
    const [latest, old] = [newest.producer.sent[0]!.value, pinned.producer.sent[0]!.value];
    expect(latest.subarray(2, 10).toString('hex')).toBe(fingerprintOf(Math.max(...STATUS_SCHEMA_VERSIONS)));
    expect(old.subarray(2, 10).toString('hex')).toBe(fingerprintOf(1));
    const { event_id: _a, received_at: _b, ...fromOld } = statusCodec.decode(old);
    const { event_id: _c, received_at: _d, ...fromLatest } = statusCodec.decode(latest);
    expect(fromOld).toEqual(fromLatest);
    expect(() => loadGatewayConfig({ KAFKA_BROKERS: '127.0.0.1:1', STATUS_SCHEMA_VERSION: '9' })).toThrow(
      /STATUS_SCHEMA_VERSION/,
    );
  });

  it('creates a partition topic once, on first use', async () => {
    const t = await buildTestApp();
    await post(t, '/status/prod', STATUS);
    await post(t, '/status/prod', STATUS);
    expect(t.created).toEqual(['opa.status.prod']);
  });

  it("creates the allow-listed partitions' status and decisions topics at start, before any upload", async () => {
    const t = await buildTestApp({ STATUS_PARTITION_ALLOW: 'prod,eu' });
    expect([...t.created].sort()).toEqual([
      'opa.decisions.eu',
      'opa.decisions.prod',
      'opa.status.eu',
      'opa.status.prod',
    ]);
    await post(t, '/status/prod', STATUS);
    expect(t.created).toHaveLength(4); // the first report finds its topic made
  });

  it('decodes /status/a%2Fb and /status/a/b to the partition "a/b"', async () => {
    const t = await buildTestApp({ STATUS_PARTITION_ALLOW: 'a/b' });
    expect((await post(t, '/status/a%2Fb', STATUS)).statusCode).toBe(200);
    expect((await post(t, '/status/a/b', STATUS)).statusCode).toBe(200);
    const [first, second] = t.producer.sent;
    expect(first!.topic).toMatch(/^opa\.status\.a_b\.[0-9a-f]{12}$/);
    expect(second!.topic).toBe(first!.topic);
    expect(statusCodec.decode(first!.value).partition).toBe('a/b');
    expect(statusCodec.decode(second!.value).partition).toBe('a/b');
  });

  it('accepts a gzip body and treats it exactly like the plain one', async () => {
    const t = await buildTestApp();
    const response = await post(t, '/status', gzipSync(STATUS), {
      ...JSON_HEADERS,
      'content-encoding': 'gzip',
    });
    expect(response.statusCode).toBe(200);
    const record = statusCodec.decode(t.producer.sent[0]!.value);
    expect(record.labels.id).toBe((readFixture('status-full.json') as { labels: { id: string } }).labels.id);
  });

  it.each([
    ['identity', Buffer.from(STATUS)],
    ['', Buffer.from(STATUS)],
    [' X-GZip ', gzipSync(STATUS)],
  ])('content-encoding %j is accepted', async (encoding, payload) => {
    const t = await buildTestApp();
    const response = await post(t, '/status', payload, { ...JSON_HEADERS, 'content-encoding': encoding });
    expect(response.statusCode).toBe(200);
    expect(t.producer.sent).toHaveLength(1);
    const record = statusCodec.decode(t.producer.sent[0]!.value);
    expect(record.labels.id).toBe((readFixture('status-full.json') as { labels: { id: string } }).labels.id);
  });
});

describe('bad input table', () => {
  it('malformed JSON: 400 MALFORMED_JSON', async () => {
    const t = await buildTestApp();
    const r = await expectRejected(t, () => post(t, '/status', '{"labels": {'), 400, {
      code: 'MALFORMED_JSON',
    });
    expect((r.json() as { message: string }).message).toMatch(/^body is not valid JSON: /);
  });

  it('empty body: 400 EMPTY_BODY', async () => {
    const t = await buildTestApp();
    await expectRejected(t, () => post(t, '/v1/version', ''), 400, { code: 'EMPTY_BODY' });
  });

  it('wrong types: 400 with the contract code and the JSON path', async () => {
    const t = await buildTestApp();
    const body = JSON.parse(STATUS);
    body.labels.id = 42;
    await expectRejected(t, () => post(t, '/status', JSON.stringify(body)), 400, {
      code: 'INVALID_TYPE',
      path: '$.labels.id',
    });
    await expectRejected(t, () => post(t, '/v1/version', '[1,2]'), 400, { code: 'INVALID_TYPE', path: '$' });
  });

  it('oversize body: 413 BODY_TOO_LARGE', async () => {
    const t = await buildTestApp({ BODY_LIMIT_BYTES: '4096' });
    await expectRejected(t, () => post(t, '/status', STATUS), 413, { code: 'BODY_TOO_LARGE' });
  });

  it('oversize after decompression: 413, although the gzip body is small', async () => {
    const t = await buildTestApp({ BODY_LIMIT_BYTES: '4096' });
    const small = gzipSync(STATUS);
    expect(small.length).toBeLessThan(4096);
    await expectRejected(
      t,
      () => post(t, '/status', small, { ...JSON_HEADERS, 'content-encoding': 'gzip' }),
      413,
      {
        code: 'BODY_TOO_LARGE',
      },
    );
  });

  it('gzip bomb: 413 fast, without inflating it', async () => {
    const t = await buildTestApp();
    // 50 gzip members of 10 MiB of zeros each: 500 MiB inflated from ~0.5 MB sent.
    const member = gzipSync(Buffer.alloc(10 * 1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 50 }, () => member));
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const started = performance.now();
    await expectRejected(
      t,
      () => post(t, '/status', bomb, { ...JSON_HEADERS, 'content-encoding': 'gzip' }),
      413,
      {
        code: 'BODY_TOO_LARGE',
      },
    );
    // Inflating all 500 MiB takes well over a second on this machine; stopping at the 1 MiB limit does not.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('corrupt gzip: 400 INVALID_GZIP', async () => {
    const t = await buildTestApp();
    await expectRejected(
      t,
      () =>
        post(t, '/status', Buffer.from('not gzip at all'), { ...JSON_HEADERS, 'content-encoding': 'gzip' }),
      400,
      { code: 'INVALID_GZIP' },
    );
  });

  it('unsupported encoding: 415 UNSUPPORTED_CONTENT_ENCODING', async () => {
    const t = await buildTestApp();
    await expectRejected(
      t,
      () => post(t, '/status', STATUS, { ...JSON_HEADERS, 'content-encoding': 'br' }),
      415,
      {
        code: 'UNSUPPORTED_CONTENT_ENCODING',
      },
    );
  });

  it('wrong content type: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const t = await buildTestApp();
    await expectRejected(t, () => post(t, '/status', STATUS, { 'content-type': 'text/plain' }), 415, {
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
    await expectRejected(
      t,
      () => post(t, '/v1/version', 'id=1', { 'content-type': 'application/x-www-form-urlencoded' }),
      415,
      { code: 'UNSUPPORTED_MEDIA_TYPE' },
    );
  });

  it('unknown route: 404 NOT_FOUND', async () => {
    const t = await buildTestApp();
    await expectRejected(t, () => post(t, '/v2/version', VERSION), 404, { code: 'NOT_FOUND' });
    await expectRejected(t, () => t.app.inject({ method: 'GET', url: '/nope' }), 404, { code: 'NOT_FOUND' });
  });

  it('wrong method on a report route: 405 with Allow: POST', async () => {
    const t = await buildTestApp();
    const r = await expectRejected(t, () => t.app.inject({ method: 'GET', url: '/v1/version' }), 405, {
      code: 'METHOD_NOT_ALLOWED',
    });
    expect(r.headers.allow).toBe('POST');
    await expectRejected(t, () => t.app.inject({ method: 'PUT', url: '/status/prod' }), 405, {
      code: 'METHOD_NOT_ALLOWED',
    });
  });

  it.each([
    ['QUERY', '/v1/version', 'POST'],
    ['TRACE', '/status', 'POST'],
    ['OPTIONS', '/status/', 'POST'],
    ['DELETE', '/status/a/b', 'POST'],
    ['HEAD', '/status/prod', 'POST'],
    ['PROPFIND', '/healthz', 'GET, HEAD'],
    ['QUERY', '/openapi.json', 'GET, HEAD'],
    ['PATCH', '/repos/someone/else/releases', 'GET, HEAD'],
  ])('any method a known path does not answer: %s %s gets 405 with Allow: %s', async (method, url, allow) => {
    const t = await buildTestApp();
    // No Content-Type on purpose: a QUERY without one must still get 405, not a body-parsing 400.
    const r = await t.app.inject({ method: method as 'GET', url });
    expect(r.statusCode).toBe(405);
    expect(r.headers.allow).toBe(allow);
    if (method !== 'HEAD') expect(r.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  it('unknown paths stay 404, whatever the method', async () => {
    const t = await buildTestApp();
    for (const method of ['GET', 'QUERY', 'TRACE'] as const) {
      const r = await t.app.inject({ method: method as 'GET', url: '/v1/versions' });
      expect(r.statusCode, method).toBe(404);
      expect(r.headers.allow).toBeUndefined();
    }
    const github = await t.app.inject({ method: 'QUERY' as 'GET', url: '/repos/a/b/releases/tags/v1' });
    expect(github.statusCode).toBe(404);
    expect(github.json()).toMatchObject({ message: 'Not Found' });
  });

  it('odd partition name, empty (/status//): 400 INVALID_PARTITION', async () => {
    const t = await buildTestApp();
    await expectRejected(t, () => post(t, '/status//', STATUS), 400, { code: 'INVALID_PARTITION' });
  });

  it('odd partition name, 300 characters: 400 INVALID_PARTITION naming the limit', async () => {
    const t = await buildTestApp();
    const r = await expectRejected(t, () => post(t, `/status/${'p'.repeat(300)}`, STATUS), 400, {
      code: 'INVALID_PARTITION',
    });
    expect((r.json() as { message: string }).message).toBe(
      'partition name has 300 characters, at most 200 allowed',
    );
  });

  it('odd partition name, control character: 400 INVALID_PARTITION', async () => {
    const t = await buildTestApp();
    await expectRejected(t, () => post(t, '/status/a%0Ab', STATUS), 400, { code: 'INVALID_PARTITION' });
  });

  it('odd partition name, broken percent-encoding: 400 MALFORMED_URL', async () => {
    const t = await buildTestApp();
    await expectRejected(t, () => post(t, '/status/%E0%A4%A', STATUS), 400, { code: 'MALFORMED_URL' });
  });

  it('odd partition name, unicode: accepted; default topic unless allow-listed, name kept', async () => {
    const t = await buildTestApp({ STATUS_PARTITION_ALLOW: 'genève' });
    expect((await post(t, `/status/${encodeURIComponent('zürich')}`, STATUS)).statusCode).toBe(200);
    expect((await post(t, `/status/${encodeURIComponent('genève')}`, STATUS)).statusCode).toBe(200);
    const [zurich, geneve] = t.producer.sent;
    expect(zurich!.topic).toBe('opa.status');
    expect(statusCodec.decode(zurich!.value).partition).toBe('zürich');
    expect(geneve!.topic).toMatch(/^opa\.status\.gen_ve\.[0-9a-f]{12}$/);
    expect(statusCodec.decode(geneve!.value).partition).toBe('genève');
  });

  it('odd partition name, unicode with overflow=reject: 403 PARTITION_NOT_ALLOWED', async () => {
    const t = await buildTestApp({ STATUS_PARTITION_OVERFLOW: 'reject' });
    await expectRejected(t, () => post(t, `/status/${encodeURIComponent('zürich')}`, STATUS), 403, {
      code: 'PARTITION_NOT_ALLOWED',
    });
  });

  it('too many partitions: overflow to the default topic with the name kept', async () => {
    const t = await buildTestApp({ STATUS_PARTITION_MAX_TOPICS: '2' });
    for (const p of ['a', 'b', 'c']) expect((await post(t, `/status/${p}`, STATUS)).statusCode).toBe(200);
    expect(t.producer.sent.map((m) => m.topic)).toEqual(['opa.status.a', 'opa.status.b', 'opa.status']);
    expect(statusCodec.decode(t.producer.sent[2]!.value).partition).toBe('c');
    expect(await t.metric('gateway_reports_accepted_total', { route: 'overflow' })).toBe(1);
  });

  it('too many partitions with overflow=reject: 403 PARTITION_LIMIT_REACHED', async () => {
    const t = await buildTestApp({ STATUS_PARTITION_MAX_TOPICS: '1', STATUS_PARTITION_OVERFLOW: 'reject' });
    expect((await post(t, '/status/a', STATUS)).statusCode).toBe(200);
    t.producer.sent.length = 0;
    await expectRejected(t, () => post(t, '/status/b', STATUS), 403, { code: 'PARTITION_LIMIT_REACHED' });
  });

  it('__proto__ keys: 400 MALFORMED_JSON', async () => {
    const t = await buildTestApp();
    await expectRejected(
      t,
      () => post(t, '/v1/version', '{"id":"x","version":"v1","__proto__":{"a":1}}'),
      400,
      {
        code: 'MALFORMED_JSON',
      },
    );
  });

  it('__proto__ keys spelled with escapes or nested deep: 400 MALFORMED_JSON; as a string value: accepted', async () => {
    const t = await buildTestApp();
    for (const body of [
      '{"id":"x","version":"v1","\\u005f_proto__":1}',
      '{"id":"x","version":"v1","extra":[{"a":{"__pr\\u006Fto__":{}}}]}',
    ]) {
      await expectRejected(t, () => post(t, '/v1/version', body), 400, { code: 'MALFORMED_JSON' });
    }
    const value = await post(t, '/v1/version', '{"id":"__proto__","version":"v1","note":"\\u003c__proto__"}');
    expect(value.statusCode).toBe(200);
  });
});

describe('auth on /status', () => {
  const env = { STATUS_AUTH_TOKENS: 'secret-one,secret-two' };

  it('missing token: 401 MISSING_TOKEN with WWW-Authenticate', async () => {
    const t = await buildTestApp(env);
    const r = await expectRejected(t, () => post(t, '/status', STATUS), 401, { code: 'MISSING_TOKEN' });
    expect(r.headers['www-authenticate']).toBe('Bearer');
  });

  it('wrong token: 401 INVALID_TOKEN', async () => {
    const t = await buildTestApp(env);
    await expectRejected(
      t,
      () => post(t, '/status/prod', STATUS, { ...JSON_HEADERS, authorization: 'Bearer secret-three' }),
      401,
      { code: 'INVALID_TOKEN' },
    );
  });

  it('accepts any configured token; telemetry stays anonymous', async () => {
    const t = await buildTestApp(env);
    for (const token of ['secret-one', 'secret-two']) {
      const r = await post(t, '/status', STATUS, { ...JSON_HEADERS, authorization: `Bearer ${token}` });
      expect(r.statusCode).toBe(200);
    }
    expect((await post(t, '/v1/version', VERSION)).statusCode).toBe(200);
  });
});

/**
 * Makes the fake producer hold every send until the returned function is called; `sending` resolves once
 * the first send arrived (that request is past its body, waiting on Kafka).
 */
function holdProducer(t: Awaited<ReturnType<typeof buildTestApp>>) {
  let release!: () => void;
  const hold = new Promise<void>((r) => {
    release = r;
  });
  let sent!: () => void;
  const sending = new Promise<void>((r) => {
    sent = r;
  });
  const send = t.producer.send.bind(t.producer);
  t.producer.send = async (m) => {
    sent();
    await hold;
    return send(m);
  };
  return Object.assign(release, { sending });
}

describe('Kafka trouble and load shedding', () => {
  it.each([
    ['KAFKA_UNAVAILABLE', unavailable()],
    ['PRODUCE_TIMEOUT', new KafkaError('PRODUCE_TIMEOUT', 'slow', { retriable: true })],
    ['PRODUCER_OVERLOADED', new KafkaError('PRODUCER_OVERLOADED', 'full', { retriable: true })],
  ])('%s: 503 with Retry-After', async (code, error) => {
    const t = await buildTestApp({ RETRY_AFTER_SECONDS: '7' });
    t.producer.failWith = error;
    const r = await post(t, '/status', STATUS);
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('7');
    expect(r.json()).toEqual({ code, message: expect.any(String), path: null });
    expect(await t.metric('gateway_reports_rejected_total', { reason: code })).toBe(1);
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('a producer closing under an in-flight request: 503 with Retry-After, logged as a refusal, not an error', async () => {
    const t = await buildTestApp({}, RELEASE, { logLevel: 'info' });
    t.producer.failWith = new KafkaError('PRODUCER_CLOSED', 'producer is closing', { retriable: false });
    const r = await post(t, '/status', STATUS);
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
    const lines = t.logLines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(lines.filter((l) => l.msg === 'report refused')).toHaveLength(1);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('answers 503 KAFKA_UNAVAILABLE at once while the producer is not connected', async () => {
    const t = await buildTestApp();
    t.producer.connected = false;
    await expectRejected(t, () => post(t, '/status', STATUS), 503, { code: 'KAFKA_UNAVAILABLE' });
  });

  it('sheds load beyond MAX_IN_FLIGHT_REQUESTS with 503 OVERLOADED before reading the body', async () => {
    const t = await buildTestApp({ MAX_IN_FLIGHT_REQUESTS: '2' });
    const release = holdProducer(t);
    const held = [post(t, '/status', STATUS), post(t, '/v1/version', VERSION)];
    await new Promise((r) => setTimeout(r, 20));
    const shed = await post(t, '/status', STATUS);
    expect(shed.statusCode).toBe(503);
    expect(shed.json()).toMatchObject({ code: 'OVERLOADED' });
    expect(shed.headers['retry-after']).toBe('5');
    release();
    expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200]);
    expect((await post(t, '/status', STATUS)).statusCode).toBe(200);
  });

  it('counts every shed request and logs one line per shedding spell, not one per request', async () => {
    const t = await buildTestApp({ MAX_IN_FLIGHT_REQUESTS: '1' }, RELEASE, { logLevel: 'info' });
    const release = holdProducer(t);
    const held = post(t, '/status', STATUS);
    await release.sending;
    const shed = await Promise.all([1, 2, 3].map(() => post(t, '/status', STATUS)));
    expect(shed.map((r) => r.statusCode)).toEqual([503, 503, 503]);
    expect(shed[0]!.json()).toEqual({
      code: 'OVERLOADED',
      message: 'too many requests in flight; retry later',
      path: null,
    });
    expect(await t.metric('gateway_requests_shed_total', { reason: 'in_flight_requests' })).toBe(3);
    expect(await t.metric('gateway_reports_rejected_total', { reason: 'OVERLOADED' })).toBe(3);
    const lines = t.logLines.map((line) => JSON.parse(line) as { msg: string; shed?: unknown });
    expect(lines.filter((l) => l.msg === 'report refused')).toEqual([]);
    const shedLines = lines.filter((l) => l.msg.startsWith('shedding load'));
    expect(shedLines).toHaveLength(1);
    expect(shedLines[0]!.shed).toEqual({ in_flight_requests: 1, in_flight_bytes: 0, queue_age: 0 });
    release();
    expect((await held).statusCode).toBe(200);
  });

  it('sheds while a request with its body in has waited past ADMISSION_MAX_WAIT_MS (Kafka slow)', async () => {
    const t = await buildTestApp({ ADMISSION_MAX_WAIT_MS: '50' });
    const release = holdProducer(t);
    const held = post(t, '/status', STATUS);
    await release.sending;
    await new Promise((r) => setTimeout(r, 80));
    const shed = await post(t, '/v1/version', VERSION);
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('5');
    expect(await t.metric('gateway_requests_shed_total', { reason: 'queue_age' })).toBe(1);
    release();
    expect((await held).statusCode).toBe(200);
    expect((await post(t, '/v1/version', VERSION)).statusCode).toBe(200);
  });

  it('sheds by the bytes in flight: a body that would pass MAX_IN_FLIGHT_BYTES waits for none', async () => {
    const t = await buildTestApp({ MAX_IN_FLIGHT_BYTES: String(STATUS.length + 10) });
    const release = holdProducer(t);
    const held = post(t, '/status', STATUS);
    await release.sending;
    const shed = await post(t, '/status', STATUS);
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('5');
    expect(shed.json()).toMatchObject({ code: 'OVERLOADED' });
    expect(await t.metric('gateway_requests_shed_total', { reason: 'in_flight_bytes' })).toBe(1);
    release();
    expect((await held).statusCode).toBe(200);
    expect((await post(t, '/status', STATUS)).statusCode).toBe(200);
  });
});

describe('operations', () => {
  it.runIf(process.platform === 'linux')(
    'reports the listening socket accept queue once it listens (no data before)',
    async () => {
      const t = await buildTestApp();
      try {
        expect(await t.metric('gateway_accept_queue_connections')).toBeNaN();
        await t.app.listen({ port: 0, host: '127.0.0.1' });
        // Nothing waits to be accepted on an idle listener: 0, read from /proc/net/tcp.
        expect(await t.metric('gateway_accept_queue_connections')).toBe(0);
      } finally {
        await t.app.close();
      }
    },
  );

  it('serves /healthz, /readyz (Kafka and releases), /metrics and /openapi.json', async () => {
    const t = await buildTestApp();
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await post(t, '/status', STATUS);
    t.producer.connected = false;
    const notReady = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ ready: false, checks: { kafka: false, releases: true } });

    const metrics = await t.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain('gateway_http_requests_total{route="/status",method="POST",code="200"');
    expect(metrics.body).toContain('gateway_http_request_duration_seconds_bucket');
    expect(metrics.body).toMatch(/gateway_produce_duration_seconds_count\{[^}]*kind="status"[^}]*\} 1/);
    expect(metrics.body).toMatch(/gateway_produced_bytes_total\{kind="status",service="gateway"\} \d+/);

    const openapi = (await t.app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(Object.keys(openapi.paths)).toEqual([
      '/v1/version',
      '/status',
      '/status/',
      '/status/{partition}',
      '/logs',
      '/logs/',
      '/logs/{partition}',
      '/repos/{owner}/{repo}/releases/latest',
      '/repos/{owner}/{repo}/releases',
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
    ]);
  });

  it('is not ready until the releases view has loaded', async () => {
    const t = await buildTestApp({}, RELEASE, { releasesReady: false });
    const r = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ checks: { releases: false } });
  });

  it('never logs the client address, even for an unexpected error', async () => {
    const t = await buildTestApp({}, RELEASE, { logLevel: 'trace' });
    t.producer.send = async () => {
      throw new Error('unexpected');
    };
    const r = await t.app.inject({
      method: 'POST',
      url: '/status',
      payload: STATUS,
      headers: JSON_HEADERS,
      remoteAddress: '203.0.113.77',
    });
    expect(r.statusCode).toBe(500);
    expect(r.json()).toEqual({ code: 'INTERNAL', message: 'internal error', path: null });
    expect(t.logLines.join('')).toContain('request failed');
    expect(t.logLines.join('')).not.toContain('203.0.113.77');
    expect(t.logLines.join('')).not.toContain('remoteAddress');
  });

  it('logs a rejected report with its code and JSON path, without the client address', async () => {
    const t = await buildTestApp({}, RELEASE, { logLevel: 'info' });
    const r = await t.app.inject({
      method: 'POST',
      url: '/status',
      payload: JSON.stringify({ labels: { version: '1.0.0' } }),
      headers: JSON_HEADERS,
      remoteAddress: '203.0.113.78',
    });
    expect(r.statusCode).toBe(400);
    const rejected = t.logLines
      .map((line) => JSON.parse(line))
      .find((entry) => entry.msg === 'report rejected');
    expect(rejected).toMatchObject({ code: 'MISSING_FIELD', path: '$.labels.id' });
    expect(t.logLines.join('')).not.toContain('203.0.113.78');
  });
});

describe('what real OPA binaries send (test/fixtures/opa-real)', () => {
  it.each(realOpaStatusBodies().map((b) => [`${b.opaVersion}/${b.name}`, b.text] as const))(
    'accepts %s and produces it',
    async (_name, text) => {
      const t = await buildTestApp();
      const r = await post(t, '/status/prod-eu', text, {
        ...JSON_HEADERS,
        'user-agent': 'Open-Policy-Agent/1.22.3 (linux, amd64)',
      });
      expect(r.statusCode).toBe(200);
      expect(t.producer.sent).toHaveLength(1);
      const record = statusCodec.decode(t.producer.sent[0]!.value);
      expect(record.metric_families.length).toBe(Object.keys(JSON.parse(text).metrics.prometheus).length);
      expect(record.client).toMatchObject({ agent: 'Open-Policy-Agent', os: 'linux', arch: 'amd64' });
    },
  );
});
