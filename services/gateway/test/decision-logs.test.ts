// Decision-log uploads (`POST /logs[/<partition>]`, gzipped JSON arrays of events as OPA's decision-log
// plugin sends them) through inject(): every valid event produced, an invalid one dead-lettered verbatim
// while the chunk is accepted, precise 4xx for a malformed chunk, 503 when Kafka fails, auth, privacy.
// Kafka is an in-memory stand-in here.
import { gzipSync } from 'node:zlib';
import { decisionBatchCodec } from '@opa-fleet/contracts';
import { DEAD_LETTER_HEADERS } from '@opa-fleet/kafka';
import { describe, expect, it } from 'vitest';
import { buildTestApp, unavailable } from './gateway-harness';

type TestApp = Awaited<ReturnType<typeof buildTestApp>>;

function event(i: number, overrides: Record<string, unknown> = {}) {
  return {
    labels: { id: `instance-${i % 2}`, version: '1.22.3' },
    decision_id: `decision-${i}`,
    path: 'authz/allow',
    input: { user: `user-${i}`, method: 'GET' },
    result: i % 2 === 0,
    requested_by: '10.1.2.3:4567',
    timestamp: '2026-11-24T15:59:08.123456789Z',
    metrics: { timer_rego_query_eval_ns: 1000 + i },
    req_id: i,
    ...overrides,
  };
}

/** As OPA uploads: gzip, application/json. */
function upload(t: TestApp, events: unknown, url = '/logs', headers: Record<string, string> = {}) {
  return t.app.inject({
    method: 'POST',
    url,
    payload: gzipSync(Buffer.from(JSON.stringify(events))),
    headers: {
      'content-type': 'application/json',
      'content-encoding': 'gzip',
      'user-agent': 'Open-Policy-Agent/1.22.3 (linux, amd64)',
      ...headers,
    },
  });
}

/** The events of every DecisionBatch record produced to `topic`, in order. */
const decisionsSent = (t: TestApp, topic = 'opa.decisions') =>
  t.producer.sent.filter((m) => m.topic === topic).flatMap((m) => decisionBatchCodec.decode(m.value).events);

describe('POST /logs', () => {
  it('produces the chunk to opa.decisions as one DecisionBatch record per instance, keyed by it, and replies 200 after', async () => {
    const t = await buildTestApp();
    const r = await upload(t, [event(0), event(1), event(2)]);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ accepted: 3, rejected: 0 });
    expect(t.producer.sent.map((m) => m.key)).toEqual(['instance-0', 'instance-1']);
    const stored = decisionsSent(t);
    expect(stored.map((d) => d.decision_id)).toEqual(['decision-0', 'decision-2', 'decision-1']);
    expect(stored[0]).toMatchObject({
      gateway_id: 'gw-test',
      partition: null,
      user_agent: 'Open-Policy-Agent/1.22.3 (linux, amd64)',
      input_json: '{"user":"user-0","method":"GET"}',
      timestamp_nanos: 789,
    });
    expect(new Set(stored.map((d) => d.event_id)).size).toBe(3);
    expect(await t.metric('gateway_reports_accepted_total', { kind: 'decision' })).toBe(3);
  });

  it('routes /logs/<partition> to its own decisions topic under the partition policy', async () => {
    const t = await buildTestApp();
    expect((await upload(t, [event(0)], '/logs/prod-eu')).statusCode).toBe(200);
    expect(decisionsSent(t, 'opa.decisions.prod-eu').map((d) => d.partition)).toEqual(['prod-eu']);
    expect(t.created).toContain('opa.decisions.prod-eu');
  });

  it('accepts a chunk with invalid events: the valid ones produced, each invalid one dead-lettered as sent', async () => {
    const t = await buildTestApp();
    const broken = event(1, { decision_id: 42 });
    const r = await upload(t, [event(0), broken, event(2, { timestamp: 'yesterday' })]);
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ accepted: 1, rejected: 2 });
    const letters = t.producer.sent.filter((m) => m.topic === 'opa.deadletter');
    expect(letters.map((m) => JSON.parse(m.value.toString()))[0]).toEqual(broken);
    expect(letters.map((m) => m.headers?.[DEAD_LETTER_HEADERS.errorCode])).toEqual([
      'INVALID_TYPE',
      'INVALID_VALUE',
    ]);
    expect(letters.map((m) => m.headers?.[DEAD_LETTER_HEADERS.errorPath])).toEqual([
      '$[1].decision_id',
      '$[2].timestamp',
    ]);
    expect(letters[0]!.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.topic]: 'opa.decisions',
      [DEAD_LETTER_HEADERS.gateway]: 'gw-test',
    });
    expect(await t.metric('gateway_decision_events_rejected_total', { reason: 'INVALID_TYPE' })).toBe(1);
  });

  it('accepts an empty chunk', async () => {
    const t = await buildTestApp();
    expect((await upload(t, [])).json()).toEqual({ accepted: 0, rejected: 0 });
  });

  it('refuses a chunk that is not an array: 400 INVALID_TYPE, nothing produced', async () => {
    const t = await buildTestApp();
    const r = await upload(t, event(0));
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'INVALID_TYPE', path: '$' });
    expect(t.producer.sent).toHaveLength(0);
  });

  it('refuses a body that is not gzip or not JSON with a precise 400', async () => {
    const t = await buildTestApp();
    const notGzip = await t.app.inject({
      method: 'POST',
      url: '/logs',
      payload: '[]',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(notGzip.json()).toMatchObject({ code: 'INVALID_GZIP' });
    const notJson = await t.app.inject({
      method: 'POST',
      url: '/logs',
      payload: gzipSync('[{"decision_id":'),
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json()).toMatchObject({ code: 'MALFORMED_JSON' });
  });

  it('stops a gzip bomb at LOGS_BODY_LIMIT_BYTES: 413', async () => {
    const t = await buildTestApp({ LOGS_BODY_LIMIT_BYTES: '100000' });
    const bomb = gzipSync(Buffer.from(`[${'0,'.repeat(5_000_000)}0]`));
    expect(bomb.length).toBeLessThan(100_000);
    const r = await t.app.inject({
      method: 'POST',
      url: '/logs',
      payload: bomb,
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
    });
    expect(r.statusCode).toBe(413);
    expect(r.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
  });

  it('takes uploads larger than the status body limit, up to its own', async () => {
    const t = await buildTestApp({ BODY_LIMIT_BYTES: '10000' });
    const events = Array.from({ length: 100 }, (_, i) => event(i));
    expect(JSON.stringify(events).length).toBeGreaterThan(10_000);
    expect((await upload(t, events)).statusCode).toBe(200);
    expect(decisionsSent(t)).toHaveLength(100);
  });

  it('cuts a large upload into records of at most LOGS_RECORD_MAX_BYTES, every event once, in order', async () => {
    const t = await buildTestApp({ LOGS_RECORD_MAX_BYTES: String(16 * 1024) });
    const events = Array.from({ length: 200 }, (_, i) => event(2 * i, { input: { pad: 'x'.repeat(300) } }));
    expect((await upload(t, events)).statusCode).toBe(200);
    const records = t.producer.sent.filter((m) => m.topic === 'opa.decisions');
    expect(records.length).toBeGreaterThan(3);
    for (const record of records) expect(record.value.length).toBeLessThanOrEqual(16 * 1024);
    expect(decisionsSent(t).map((d) => d.decision_id)).toEqual(events.map((e) => e.decision_id));
  });

  it('answers 503 with Retry-After when Kafka fails, so OPA sends the chunk again', async () => {
    const t = await buildTestApp();
    t.producer.failWith = unavailable();
    const r = await upload(t, [event(0)]);
    expect(r.statusCode).toBe(503);
    expect(r.headers['retry-after']).toBe('5');
  });

  it('drops DECISION_DROP_FIELDS before anything is stored', async () => {
    const t = await buildTestApp({ DECISION_DROP_FIELDS: 'input,requested_by' });
    await upload(t, [event(0)]);
    const [stored] = decisionsSent(t);
    expect(stored).toMatchObject({ input_json: null, requested_by: null, result_json: 'true' });
    expect(t.producer.sent[0]!.value.toString('latin1')).not.toContain('user-0');
  });

  it('refuses an unknown DECISION_DROP_FIELDS entry at start', async () => {
    await expect(buildTestApp({ DECISION_DROP_FIELDS: 'input,decision_id' })).rejects.toThrow(
      /DECISION_DROP_FIELDS/,
    );
  });

  it('requires the bearer token when auth is on, as /status does', async () => {
    const t = await buildTestApp({ STATUS_AUTH_TOKENS: 'secret' });
    expect((await upload(t, [event(0)])).statusCode).toBe(401);
    expect((await upload(t, [event(0)], '/logs', { authorization: 'Bearer secret' })).statusCode).toBe(200);
  });

  it('answers other methods with 405', async () => {
    const t = await buildTestApp();
    const r = await t.app.inject({ method: 'GET', url: '/logs/prod' });
    expect(r.statusCode).toBe(405);
    expect(r.headers.allow).toBe('POST');
  });
});
