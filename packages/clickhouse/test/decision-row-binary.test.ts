// The decisions transcoder (DecisionBatch Avro -> RowBinary) against the general path it stands in for:
// decode -> flattenDecision -> DECISION_ROW_BINARY, byte for byte, on OPA-shaped and on random events.
import {
  ContractError,
  type DecisionEvent,
  decisionBatchCodec,
  decisionCodec,
  encodeDecisionBatches,
  loadSchemaVersions,
  normalizeDecisionChunk,
} from '@opa-fleet/contracts';
import { flattenDecision } from '@opa-fleet/flatten';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  DECISION_ROW_BINARY,
  decisionRowsBinaryOf,
  RowBinaryWriter,
  TRANSCODED_DECISION_FIELDS,
} from '../src/index';
import { ddlColumns } from './ddl-columns';

const ctx = { receivedAt: 1_764_000_000_123_456, gatewayId: 'gw', userAgent: 'ua/1', partition: 'eu' };

function opaEvents(): DecisionEvent[] {
  const body = [
    {
      labels: { id: 'i-1', version: '1.22.3', zone: 'b', app: 'ä', '10': 'x', '9': 'y' },
      decision_id: 'd-1',
      path: 'authz/allow',
      input: { user: 'bob', note: 'naïve "quoted" 😀' },
      result: { allow: true },
      bundles: { zeta: { revision: 'r2' }, alpha: { revision: 'r1' } },
      erased: ['/input/password'],
      masked: ['/input/ssn', '/input/card'],
      requested_by: '10.0.0.1:5000',
      timestamp: '2026-11-24T15:59:08.123456789Z',
      metrics: { timer_rego_query_eval_ns: 51234, counter_x: 0.5 },
      req_id: 17,
      trace_id: 't',
      span_id: 's',
      nd_builtin_cache: { 'time.now_ns': { '[]': 1 } },
      error: { code: 'e', message: 'm' },
      something_new: [1, 2],
    },
    { labels: { id: 'i-1' }, decision_id: 'd-2', timestamp: '1970-01-01T00:00:01Z' },
  ];
  return normalizeDecisionChunk(body, ctx, () => 'evt').events;
}

/** What the general path writes for these events. */
function generalPath(events: readonly DecisionEvent[]): Buffer {
  const out = new RowBinaryWriter();
  for (const event of events) DECISION_ROW_BINARY.write(flattenDecision(event), out);
  return Buffer.from(out.bytes());
}

describe('decisionRowsBinaryOf', () => {
  it('writes the bytes of decode -> flattenDecision -> DECISION_ROW_BINARY for OPA-shaped events', () => {
    const events = opaEvents();
    const [batch] = encodeDecisionBatches(events);
    const rows = decisionRowsBinaryOf(batch!.value)!;
    expect(rows.count).toBe(2);
    expect(Buffer.from(rows.bytes).equals(generalPath(events))).toBe(true);
  });

  it('writes the same bytes as the general path for random events (or both refuse them)', () => {
    const batchType = avro.Type.forSchema(
      loadSchemaVersions().get('decision-batch')!.at(-1)!.schema as avro.Schema,
    );
    for (let i = 0; i < 300; i++) {
      const batch = batchType.random() as unknown as { events: DecisionEvent[] };
      const value = decisionBatchCodec.encode(batch);
      const decoded = decisionBatchCodec.decode(value).events;
      let expected: Buffer | Error;
      try {
        expected = generalPath(decoded);
      } catch (err) {
        expected = err as Error;
      }
      if (expected instanceof Error) {
        expect(() => decisionRowsBinaryOf(value)).toThrow(RangeError);
      } else {
        const rows = decisionRowsBinaryOf(value)!;
        expect(rows.count).toBe(decoded.length);
        expect(Buffer.from(rows.bytes).equals(expected)).toBe(true);
      }
    }
  });

  it('leaves records of another schema to the general path (null)', () => {
    const [event] = opaEvents();
    expect(decisionRowsBinaryOf(decisionCodec.encode(event!))).toBeNull();
    expect(decisionRowsBinaryOf(Buffer.from('not avro'))).toBeNull();
  });

  it('reads an events array written in more than one Avro block', () => {
    const events = opaEvents();
    const one = encodeDecisionBatches(events.slice(0, 1))[0]!.value;
    const two = encodeDecisionBatches(events.slice(1))[0]!.value;
    // Header, block of 1 (from `one`, without its closing 0), block of 1 (from `two`'s body), 0.
    const multi = Buffer.concat([one.subarray(0, one.length - 1), two.subarray(10)]);
    expect(decisionBatchCodec.decode(multi).events).toHaveLength(2);
    const rows = decisionRowsBinaryOf(multi);
    expect(rows?.count).toBe(2);
    expect(Buffer.from(rows!.bytes).equals(generalPath(events))).toBe(true);
  });

  it('refuses truncated and trailing bytes with CORRUPT_RECORD', () => {
    const [batch] = encodeDecisionBatches(opaEvents());
    for (const damaged of [
      batch!.value.subarray(0, batch!.value.length - 5),
      Buffer.concat([batch!.value, Buffer.from([0])]),
    ]) {
      expect(() => decisionRowsBinaryOf(damaged)).toThrow(ContractError);
      try {
        decisionRowsBinaryOf(damaged);
      } catch (err) {
        expect((err as ContractError).code).toBe('CORRUPT_RECORD');
      }
    }
  });
});

describe('DECISION_ROW_BINARY', () => {
  it('lists every column of schemas/clickhouse/009_decisions.sql once', () => {
    const columns = ddlColumns('009_decisions.sql');
    expect([...DECISION_ROW_BINARY.columns].sort()).toEqual([...columns].sort());
  });

  it('is read by the transcoder in the order of the newest DecisionEvent schema', () => {
    const batch = loadSchemaVersions().get('decision-batch')!.at(-1)!.schema as {
      fields: { type: { items: { fields: { name: string }[] } } }[];
    };
    expect(batch.fields[0]!.type.items.fields.map((f) => f.name)).toEqual([...TRANSCODED_DECISION_FIELDS]);
  });
});
