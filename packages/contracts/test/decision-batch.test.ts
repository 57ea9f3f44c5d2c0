import { describe, expect, it } from 'vitest';
import {
  ContractError,
  type DecisionEvent,
  decisionBatchCodec,
  decisionCodec,
  decisionEventsOf,
  encodeDecisionBatches,
  normalizeDecisionChunk,
} from '../src/index';

const ctx = { receivedAt: 1_764_000_000_000_000, gatewayId: 'gw', userAgent: 'ua', partition: null };

function events(count: number, instances = 1, padding = 0): DecisionEvent[] {
  const body = Array.from({ length: count }, (_, i) => ({
    labels: { id: `instance-${i % instances}`, version: '1.22.3' },
    decision_id: `decision-${i}`,
    path: 'authz/allow',
    input: { user: `user-${i}`, pad: 'é'.repeat(padding) },
    result: i % 3 === 0,
    timestamp: '2026-11-24T15:59:08.123456789Z',
    metrics: { timer_rego_query_eval_ns: 1000 + i },
    bundles: { authz: { revision: `rev-${i % 4}` } },
  }));
  let n = 0;
  return normalizeDecisionChunk(body, ctx, () => `evt-${n++}`).events;
}

describe('encodeDecisionBatches', () => {
  it('puts the events of one instance into one DecisionBatch record keyed by it', () => {
    const sent = events(50);
    const batches = encodeDecisionBatches(sent);
    expect(batches.map((b) => [b.key, b.events])).toEqual([['instance-0', 50]]);
    expect(decisionBatchCodec.decode(batches[0]!.value).events).toEqual(sent);
  });

  it('writes the same bytes as avsc encoding the whole batch', () => {
    const sent = events(20);
    const [batch] = encodeDecisionBatches(sent);
    expect(batch!.value.equals(decisionBatchCodec.encode({ events: sent }))).toBe(true);
  });

  it('cuts slices per instance in the order each was first seen, each event once', () => {
    const sent = events(9, 3);
    const batches = encodeDecisionBatches(sent);
    expect(batches.map((b) => b.key)).toEqual(['instance-0', 'instance-1', 'instance-2']);
    const back = batches.map((b) => decisionEventsOf(b.value).map((e) => e.decision_id));
    expect(back).toEqual([
      ['decision-0', 'decision-3', 'decision-6'],
      ['decision-1', 'decision-4', 'decision-7'],
      ['decision-2', 'decision-5', 'decision-8'],
    ]);
  });

  it('keeps every record at or under maxBytes, and a lone larger event alone', () => {
    const sent = events(300, 1, 40);
    const maxBytes = 4096;
    const batches = encodeDecisionBatches(sent, maxBytes);
    expect(batches.length).toBeGreaterThan(5);
    for (const b of batches) expect(b.value.length).toBeLessThanOrEqual(maxBytes);
    expect(batches.flatMap((b) => decisionEventsOf(b.value))).toEqual(sent);
    const big = events(3, 1, 3000);
    const alone = encodeDecisionBatches(big, maxBytes);
    expect(alone.map((b) => b.events)).toEqual([1, 1, 1]);
    expect(alone.flatMap((b) => decisionEventsOf(b.value))).toEqual(big);
  });

  it('returns no record for no events', () => {
    expect(encodeDecisionBatches([])).toEqual([]);
  });
});

describe('decisionEventsOf', () => {
  it('reads a single DecisionEvent record, as gateways wrote before DecisionBatch', () => {
    const [one] = events(1);
    expect(decisionEventsOf(decisionCodec.encode(one!))).toEqual([one]);
  });

  it('refuses a record of no decision schema with UNKNOWN_SCHEMA', () => {
    const value = Buffer.from([0xc3, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0]);
    expect(() => decisionEventsOf(value)).toThrow(ContractError);
    try {
      decisionEventsOf(value);
    } catch (err) {
      expect((err as ContractError).code).toBe('UNKNOWN_SCHEMA');
    }
  });
});
