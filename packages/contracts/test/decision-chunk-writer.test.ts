// The gateway's one-pass path (encodeDecisionChunk: OPA's JSON array -> DecisionBatch records, Avro written
// by hand) against the general path it stands in for (normalizeDecisionChunk -> encodeDecisionBatches, avsc):
// the same records byte for byte, the same rejected events with the same errors, on random chunks, on what
// real OPA binaries uploaded and on the decisions benchmark's chunks.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDecisionChunks } from '../../../test/bench/decision-chunks';
import { realOpaCorpusDir } from '../../../test/support/fixtures';
import { AvroWriter } from '../src/avro-writer';
import {
  ContractError,
  type DecisionNormalizeOptions,
  DROPPABLE_DECISION_FIELDS,
  decisionBatchCodec,
  encodeDecisionBatches,
  encodeDecisionChunk,
  normalizeDecisionChunk,
} from '../src/index';

const ctx = {
  receivedAt: 1_764_000_000_123_456,
  gatewayId: 'gw-1',
  userAgent: 'OPA/1.22.3',
  partition: 'eu',
};

/** Both paths on one chunk, each with its own run of event ids. */
function bothPaths(body: unknown, options: DecisionNormalizeOptions = {}, maxBytes?: number) {
  let a = 0;
  let b = 0;
  const run = (f: () => unknown) => {
    try {
      return f();
    } catch (err) {
      if (!(err instanceof ContractError)) throw err;
      return { thrown: err.code, path: err.path, message: err.message };
    }
  };
  const general = run(() => {
    const chunk = normalizeDecisionChunk(body, ctx, () => `evt-${a++}`, options);
    return {
      batches: encodeDecisionBatches(chunk.events, maxBytes).map(plain),
      accepted: chunk.events.length,
      rejected: chunk.rejected.map(plainRejected),
    };
  });
  const onePass = run(() => {
    const chunk = encodeDecisionChunk(body, ctx, () => `evt-${b++}`, options, maxBytes);
    return {
      batches: chunk.batches.map(plain),
      accepted: chunk.accepted,
      rejected: chunk.rejected.map(plainRejected),
    };
  });
  return { general, onePass };
}

const plain = (batch: { key: string; value: Buffer; events: number }) => ({
  key: batch.key,
  value: batch.value.toString('hex'),
  events: batch.events,
});

const plainRejected = (r: { index: number; error: ContractError; event: unknown }) => ({
  index: r.index,
  code: r.error.code,
  path: r.error.path,
  message: r.error.message,
  event: r.event,
});

// ---- random OPA-like events: mostly valid, with every field's wrong types and edge values now and then ----

/** Strings that stress UTF-8: ASCII, accents, emoji (pairs), lone surrogates, and past 64 bytes. */
const text = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 40 }), // lone surrogates
  fc.string({ unit: 'grapheme', minLength: 30, maxLength: 90 }),
  fc.string({ minLength: 60, maxLength: 200 }),
  fc.constantFrom('ä', '😀', '\ud800', 'x\udc00y', 'é'.repeat(32), 'é'.repeat(33)),
);
const key = fc.oneof(text, fc.constantFrom('10', '9', '0', 'id', 'version', '__proto__x', ''));
const json = fc.jsonValue({ maxDepth: 3 });
const sometimes = <T>(valid: fc.Arbitrary<T>, wrong: fc.Arbitrary<unknown> = fc.anything({ maxDepth: 1 })) =>
  fc.oneof({ weight: 80, arbitrary: valid }, { weight: 1, arbitrary: wrong });
const timestamp = fc.oneof(
  {
    weight: 10,
    arbitrary: fc
      .date({ min: new Date('1970-01-01'), max: new Date('2105-12-31'), noInvalidDate: true })
      .chain((d) =>
        fc
          .integer({ min: 0, max: 999_999_999 })
          .map((ns) => `${d.toISOString().slice(0, 19)}.${String(ns).padStart(9, '0')}Z`),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '0001-01-01T00:00:00Z',
      '2200-01-01T00:00:00Z',
      'yesterday',
      '1969-12-31T23:59:59Z',
    ),
  },
);
const labels = fc
  .tuple(
    sometimes(fc.string({ minLength: 1, maxLength: 12 })),
    fc.option(sometimes(fc.constantFrom('1.22.3', '0.70.0')), { nil: undefined }),
    fc.dictionary(key, sometimes(text), { maxKeys: 5 }),
  )
  .map(([id, version, rest]) => ({ ...rest, id, ...(version === undefined ? {} : { version }) }));
const event = fc.record(
  {
    labels: sometimes(labels),
    decision_id: sometimes(fc.string({ minLength: 1, maxLength: 40 })),
    timestamp: sometimes(timestamp),
    path: sometimes(text),
    query: sometimes(text),
    input: json,
    result: json,
    mapped_result: json,
    nd_builtin_cache: json,
    error: json,
    request_context: json,
    custom: json,
    erased: sometimes(fc.array(text, { maxLength: 3 })),
    masked: sometimes(fc.array(text, { maxLength: 3 })),
    requested_by: sometimes(text),
    req_id: sometimes(
      fc.oneof(fc.nat(), fc.integer({ min: 2 ** 31, max: 2 ** 53 - 2 }), fc.constantFrom('17', 0)),
    ),
    trace_id: sometimes(text),
    span_id: sometimes(text),
    batch_decision_id: sometimes(text),
    revision: sometimes(text),
    bundles: sometimes(
      fc.dictionary(key, sometimes(fc.record({ revision: sometimes(text) })), { maxKeys: 3 }),
    ),
    metrics: sometimes(
      fc.dictionary(key, sometimes(fc.oneof(fc.nat(), fc.double({ noNaN: true, noDefaultInfinity: true }))), {
        maxKeys: 4,
      }),
    ),
    something_new: json,
  },
  { requiredKeys: ['decision_id', 'labels', 'timestamp'] },
);
const chunk = fc.oneof(
  { weight: 20, arbitrary: fc.array(event, { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) }, // not an array, nulls, numbers as events
);
const options = fc.record({
  drop: fc.option(
    fc.subarray([...DROPPABLE_DECISION_FIELDS]).map((f) => new Set(f)),
    { nil: undefined },
  ),
  limits: fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    {
      weight: 1,
      arbitrary: fc.record({
        maxStringLength: fc.constantFrom(8, 4096),
        maxDecisionJsonLength: fc.constantFrom(16, 65_536),
      }),
    },
  ),
});

describe('encodeDecisionChunk', () => {
  it('writes the bytes, counts and rejections of normalizeDecisionChunk + encodeDecisionBatches on random chunks', () => {
    let accepted = 0;
    let rejected = 0;
    fc.assert(
      fc.property(chunk, options, fc.constantFrom(undefined, 300, 2000), (body, opts, maxBytes) => {
        const { general, onePass } = bothPaths(body, opts, maxBytes);
        expect(onePass).toEqual(general);
        const written = onePass as { accepted?: number; rejected?: unknown[] };
        accepted += written.accepted ?? 0;
        rejected += written.rejected?.length ?? 0;
      }),
      { numRuns: 500 },
    );
    // Both kinds of event were exercised, not only refusals.
    expect(accepted).toBeGreaterThan(300);
    expect(rejected).toBeGreaterThan(300);
  }, 60_000);

  it('cuts and groups a chunk of several instances as the general path does', () => {
    const body = Array.from({ length: 40 }, (_, i) => ({
      labels: { id: `i-${i % 3 === 0 ? 'a' : i % 3 === 1 ? 'b' : 'c'}` },
      decision_id: `d-${i}`,
      timestamp: '2026-11-24T15:59:08.123456789Z',
      input: { pad: 'x'.repeat(i * 7) },
    }));
    for (const maxBytes of [100, 400, 1000, 100_000]) {
      const { general, onePass } = bothPaths(body, {}, maxBytes);
      expect(onePass).toEqual(general);
      expect((onePass as { batches: unknown[] }).batches.length).toBeGreaterThan(
        maxBytes === 100_000 ? 2 : 3,
      );
    }
  });

  it('writes the bytes of the general path for what real OPA binaries uploaded', () => {
    for (const version of ['v0.70.0', 'v1.22.3']) {
      const body = JSON.parse(readFileSync(join(realOpaCorpusDir, version, 'decisions.json'), 'utf8'));
      const { general, onePass } = bothPaths(body);
      expect(onePass).toEqual(general);
      const written = onePass as { accepted: number; rejected: unknown[]; batches: { value: string }[] };
      expect(written.accepted).toBe(body.length);
      expect(written.rejected).toEqual([]);
      const events = written.batches.flatMap(
        (b) => decisionBatchCodec.decode(Buffer.from(b.value, 'hex')).events,
      );
      expect(events.map((e) => e.decision_id)).toEqual(
        body.map((e: { decision_id: string }) => e.decision_id),
      );
    }
  });

  it("writes the bytes of the general path for the decisions benchmark's chunks", () => {
    const chunks = createDecisionChunks({ seed: 3 });
    for (let i = 0; i < 4; i++) {
      const sent = chunks.next();
      const body = JSON.parse(gunzipSync(sent.body).toString('utf8'));
      const { general, onePass } = bothPaths(body);
      expect(onePass).toEqual(general);
      expect((onePass as { accepted: number }).accepted).toBe(sent.events);
    }
  });

  it('keeps the precise error of each invalid event and accepts the rest', () => {
    const good = { labels: { id: 'i' }, decision_id: 'd', timestamp: '2026-11-24T15:59:08Z' };
    const body = [
      good,
      { ...good, labels: { version: '1' } },
      { ...good, req_id: -1 },
      7,
      { ...good, metrics: { m: 'x' } },
    ];
    const written = encodeDecisionChunk(body, ctx, () => 'e');
    expect(written.accepted).toBe(1);
    expect(written.rejected.map((r) => [r.index, r.error.code, r.error.path])).toEqual([
      [1, 'MISSING_FIELD', '$[1].labels.id'],
      [2, 'INVALID_VALUE', '$[2].req_id'],
      [3, 'INVALID_TYPE', '$[3]'],
      [4, 'INVALID_TYPE', '$[4].metrics.m'],
    ]);
    expect(() => encodeDecisionChunk({ not: 'an array' }, ctx, () => 'e')).toThrow(ContractError);
  });
});

describe('AvroWriter', () => {
  it('writes longs, doubles and strings as avsc does (its integer and floating varint branches, its UTF-8)', () => {
    const longs = [
      0,
      1,
      -1,
      63,
      64,
      -65,
      2 ** 30 - 1,
      2 ** 30,
      -(2 ** 30),
      -(2 ** 30) - 1,
      2 ** 31,
      2 ** 53 - 2,
      -(2 ** 53) + 2,
    ];
    const strings = [
      '',
      'a',
      'é'.repeat(32),
      'é'.repeat(33),
      '\ud800',
      'a\udc00b',
      '😀',
      'x'.repeat(200),
      `${'y'.repeat(70)}\ud800`,
    ];
    const w = new AvroWriter(4);
    for (const v of longs) w.long(v);
    for (const v of [0.5, -0, 1e300]) w.double(v);
    for (const v of strings) w.string(v);
    const expected = Buffer.concat([
      ...longs.map((v) => avro.Type.forSchema('long').toBuffer(v)),
      ...[0.5, -0, 1e300].map((v) => avro.Type.forSchema('double').toBuffer(v)),
      ...strings.map((v) => avro.Type.forSchema('string').toBuffer(v)),
    ]);
    expect(w.buf.subarray(0, w.pos).toString('hex')).toBe(expected.toString('hex'));
  });
});
