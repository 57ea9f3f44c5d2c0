import { describe, expect, it } from 'vitest';
import { ContractError, decisionCodec, normalizeDecisionChunk } from '../src/index';

const ctx = {
  receivedAt: 1_764_000_000_000_000,
  gatewayId: 'gw',
  userAgent: 'Open-Policy-Agent/1.22.3 (linux, amd64)',
  partition: 'prod-eu',
};

/** An event as OPA's decision-log plugin writes it (v1/plugins/logs EventV1). */
function opaEvent(overrides: Record<string, unknown> = {}) {
  return {
    labels: { id: '6f1b2c3d-0000-4000-8000-000000000001', version: '1.22.3', region: 'eu-west' },
    decision_id: '4b5c6d7e-1111-4222-8333-444455556666',
    trace_id: '0af7651916cd43dd8448eb211c80319c',
    span_id: 'b7ad6b7169203331',
    bundles: { authz: { revision: 'rev-42' } },
    path: 'authz/allow',
    input: { method: 'GET', path: ['finance', 'salary', 'alice'], user: 'bob' },
    result: false,
    nd_builtin_cache: { 'time.now_ns': { '[]': 1764000000000000000 } },
    requested_by: '10.0.0.7:51234',
    timestamp: '2026-11-24T15:59:08.123456789Z',
    metrics: {
      counter_server_query_cache_hit: 0,
      timer_rego_query_eval_ns: 51234,
      timer_server_handler_ns: 91234,
    },
    req_id: 17,
    ...overrides,
  };
}

let next = 0;
const newId = () => `evt-${next++}`;

describe('normalizeDecisionChunk', () => {
  it('turns every field OPA sends into the record, free-form values as JSON text', () => {
    const { events, rejected } = normalizeDecisionChunk([opaEvent()], ctx, () => 'evt-a');
    expect(rejected).toEqual([]);
    expect(events).toEqual([
      expect.objectContaining({
        event_id: 'evt-a',
        partition: 'prod-eu',
        user_agent: 'Open-Policy-Agent/1.22.3 (linux, amd64)',
        decision_id: '4b5c6d7e-1111-4222-8333-444455556666',
        instance_id: '6f1b2c3d-0000-4000-8000-000000000001',
        opa_version: '1.22.3',
        labels: { region: 'eu-west' },
        timestamp: Date.parse('2026-11-24T15:59:08.123Z') * 1000 + 456,
        timestamp_nanos: 789,
        path: 'authz/allow',
        input_json: '{"method":"GET","path":["finance","salary","alice"],"user":"bob"}',
        result_json: 'false',
        nd_builtin_cache_json: '{"time.now_ns":{"[]":1764000000000000000}}',
        requested_by: '10.0.0.7:51234',
        req_id: 17,
        bundles: { authz: 'rev-42' },
        metric_names: [
          'counter_server_query_cache_hit',
          'timer_rego_query_eval_ns',
          'timer_server_handler_ns',
        ],
        metric_values: [0, 51234, 91234],
        extra_json: null,
      }),
    ]);
  });

  it('keeps fields it does not know yet (newer OPAs) in extra_json', () => {
    const { events } = normalizeDecisionChunk([opaEvent({ policy_hash: 'abc', score: 3 })], ctx, newId);
    expect(events[0]!.extra_json).toBe('{"policy_hash":"abc","score":3}');
  });

  it('survives the Avro round trip', () => {
    const { events } = normalizeDecisionChunk(
      [opaEvent(), opaEvent({ error: { code: 'eval_error', message: 'x' } })],
      ctx,
      newId,
    );
    for (const event of events) expect(decisionCodec.decode(decisionCodec.encode(event))).toEqual(event);
  });

  it('keeps the valid events of a chunk and returns each invalid one with its error and as sent', () => {
    const bad = opaEvent({ decision_id: '' });
    const noTime = { labels: { id: 'i' }, decision_id: 'd2' };
    const { events, rejected } = normalizeDecisionChunk([opaEvent(), bad, noTime, 7], ctx, newId);
    expect(events).toHaveLength(1);
    expect(rejected.map((r) => [r.index, r.error.code, r.error.path])).toEqual([
      [1, 'INVALID_VALUE', '$[1].decision_id'],
      [2, 'MISSING_FIELD', '$[2].timestamp'],
      [3, 'INVALID_TYPE', '$[3]'],
    ]);
    expect(rejected[0]!.event).toBe(bad);
  });

  it('requires labels.id and a real timestamp', () => {
    const { rejected } = normalizeDecisionChunk(
      [opaEvent({ labels: { version: '1.0.0' } }), opaEvent({ timestamp: '0001-01-01T00:00:00Z' })],
      ctx,
      newId,
    );
    expect(rejected.map((r) => r.error.path)).toEqual(['$[0].labels.id', '$[1].timestamp']);
  });

  it('refuses a timestamp the decisions table cannot store (before 1970, from 2106), alone', () => {
    const { events, rejected } = normalizeDecisionChunk(
      [
        opaEvent({ timestamp: '1969-12-31T23:59:59.999999Z' }),
        opaEvent({ timestamp: '2106-02-07T06:28:16Z' }),
        opaEvent({ timestamp: '1970-01-01T00:00:00Z' }),
        opaEvent({ timestamp: '2106-02-07T06:28:15.999999Z' }),
      ],
      ctx,
      newId,
    );
    expect(rejected.map((r) => [r.index, r.error.code, r.error.path])).toEqual([
      [0, 'INVALID_VALUE', '$[0].timestamp'],
      [1, 'INVALID_VALUE', '$[1].timestamp'],
    ]);
    expect(events.map((e) => e.timestamp)).toEqual([0, 2 ** 32 * 1_000_000 - 1]);
  });

  it('refuses a chunk that is not an array, or has too many events', () => {
    expect(() => normalizeDecisionChunk({ decision_id: 'x' }, ctx, newId)).toThrow(ContractError);
    expect(() =>
      normalizeDecisionChunk([opaEvent(), opaEvent()], ctx, newId, { limits: { maxDecisionEvents: 1 } }),
    ).toThrow(/more than 1 decision events/);
  });

  it('bounds free-form values', () => {
    const { rejected } = normalizeDecisionChunk(
      [opaEvent({ input: { blob: 'x'.repeat(100) } })],
      ctx,
      newId,
      {
        limits: { maxDecisionJsonLength: 50 },
      },
    );
    expect(rejected[0]!.error).toMatchObject({ code: 'LIMIT_EXCEEDED', path: '$[0].input' });
  });

  it('drops the configured fields before they are stored, without a trace', () => {
    const { events } = normalizeDecisionChunk([opaEvent()], ctx, newId, {
      drop: new Set(['input', 'requested_by']),
    });
    expect(events[0]).toMatchObject({ input_json: null, requested_by: null, extra_json: null });
    expect(JSON.stringify(events[0])).not.toContain('alice');
  });
});
