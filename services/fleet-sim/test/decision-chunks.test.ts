import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  createFleet,
  decisionEvent,
  encodeDecisionChunks,
  OPA_UPLOAD_SIZE_LIMIT_BYTES,
  seededRandom,
} from '../src/index';

const [instance] = createFleet({ size: 1, seed: 3, partitions: [''], failingShare: 0 });
function events(n: number, seed = 5) {
  const random = seededRandom(seed);
  return Array.from({ length: n }, (_, i) => decisionEvent(instance!, random, 1_796_114_127_000 + i, i + 1));
}
const arrayOf = (body: Buffer) => JSON.parse(gunzipSync(body).toString('utf8')) as unknown[];

describe('encodeDecisionChunks (OPA upload_size_limit_bytes, compressed)', () => {
  it('sends a small upload as one gzipped JSON array of the events, in order', () => {
    const input = events(5);
    const { chunks, dropped } = encodeDecisionChunks(input);
    expect(dropped).toBe(0);
    expect(chunks.map((c) => [c.first, c.count])).toEqual([[0, 5]]);
    expect(arrayOf(chunks[0]!.body)).toEqual(input);
  });

  it('splits a large upload into chunks of at most 32768 gzipped bytes, each as full as the limit allows', () => {
    const input = events(2000);
    const { chunks, dropped } = encodeDecisionChunks(input);
    expect(dropped).toBe(0);
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((c) => c.body.length <= OPA_UPLOAD_SIZE_LIMIT_BYTES)).toBe(true);
    // Every event once, in order, across the chunks.
    expect(chunks.flatMap((c) => arrayOf(c.body))).toEqual(input);
    expect(chunks.map((c) => c.first)).toEqual(
      chunks.map((_, i) => chunks.slice(0, i).reduce((n, c) => n + c.count, 0)),
    );
    // Full: one more event would pass the limit (all but the last chunk).
    for (const c of chunks.slice(0, -1)) {
      const oneMore = input.slice(c.first, c.first + c.count + 1).map((e) => JSON.stringify(e));
      expect(gzipSync(`[${oneMore.join(',')}]`).length).toBeGreaterThan(OPA_UPLOAD_SIZE_LIMIT_BYTES);
    }
    // The last chunk is what is left.
    expect(chunks.at(-1)!.first + chunks.at(-1)!.count).toBe(input.length);
  });

  it('honours a smaller limit', () => {
    const { chunks } = encodeDecisionChunks(events(200), 2048);
    expect(chunks.length).toBeGreaterThan(3);
    expect(Math.max(...chunks.map((c) => c.body.length))).toBeLessThanOrEqual(2048);
    expect(chunks.reduce((n, c) => n + c.count, 0)).toBe(200);
  });

  it('drops an event that alone does not fit, as OPA does, and keeps the others', () => {
    const input: unknown[] = events(6);
    // Random text barely compresses: gzipped it is far over a 4 KB limit.
    const random = seededRandom(9);
    input.splice(3, 0, {
      decision_id: 'huge',
      input: Array.from({ length: 20_000 }, () => random.uuid()).join(''),
    });
    const { chunks, dropped } = encodeDecisionChunks(input, 4096);
    expect(dropped).toBe(1);
    const sent = chunks.flatMap((c) => arrayOf(c.body));
    expect(sent).toEqual(input.filter((e) => (e as { decision_id: string }).decision_id !== 'huge'));
  });

  it('gives no chunk for no events', () => {
    expect(encodeDecisionChunks([])).toEqual({ chunks: [], dropped: 0 });
  });
});
