import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { normalizeDecisionChunk } from '@opa-fleet/contracts';
import { describe, expect, it } from 'vitest';
import { realOpaCorpusDir } from '../../../test/support/fixtures';
import {
  createDecisionLog,
  createFleet,
  type DecisionUpload,
  decisionEvent,
  goTimeNanos,
  seededRandom,
} from '../src/index';

const options = { size: 4, seed: 11, partitions: ['', 'eu'], failingShare: 0.5 };
const arrayOf = (u: DecisionUpload) =>
  JSON.parse(gunzipSync(u.body).toString('utf8')) as Record<string, unknown>[];

describe('decisionEvent: shaped like real OPA decision logs', () => {
  const real = ['v0.70.0', 'v1.22.3'].flatMap(
    (v) =>
      JSON.parse(readFileSync(`${realOpaCorpusDir}/${v}/decisions.json`, 'utf8')) as Record<
        string,
        unknown
      >[],
  );
  const fleet = createFleet({ ...options, size: 50 });
  const random = seededRandom(1);
  const simulated = Array.from({ length: 3000 }, (_, i) =>
    decisionEvent(fleet[i % 50]!, random, 1_796_114_127_000 + i, i),
  );

  it('has the keys real OPA logs, with the same value types', () => {
    const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
    const shape = (e: Record<string, unknown>) =>
      Object.fromEntries(
        Object.entries(e)
          .filter(([k]) => k !== 'result' && k !== 'error')
          .map(([k, v]) => [k, typeOf(v)]),
      );
    const realShape = shape(real[0]!);
    expect(real.every((e) => JSON.stringify(shape(e)) === JSON.stringify(realShape))).toBe(true);
    const withBundles = simulated.filter((e) => e.bundles);
    expect(withBundles.length).toBeGreaterThan(0);
    for (const e of withBundles) expect(shape(e as unknown as Record<string, unknown>)).toEqual(realShape);
    // Label keys and metric names are the real ones.
    expect(Object.keys(simulated[0]!.labels).sort()).toEqual(['id', 'region', 'version']);
    const realMetrics = new Set(real.flatMap((e) => Object.keys(e.metrics as object)));
    expect(new Set(simulated.flatMap((e) => Object.keys(e.metrics)))).toEqual(realMetrics);
  });

  it('mixes boolean and package-object results, undefined decisions and errors', () => {
    const kinds = new Set(
      simulated.map((e) =>
        'error' in e
          ? 'error'
          : !('result' in e)
            ? 'undefined'
            : Array.isArray(e.result)
              ? 'set'
              : typeof e.result,
      ),
    );
    expect(kinds).toEqual(new Set(['boolean', 'object', 'set', 'undefined', 'error']));
    const allowed = simulated.filter(
      (e) => e.result === true || (e.result as { allow?: boolean })?.allow === true,
    );
    expect(allowed.length / simulated.length).toBeGreaterThan(0.6);
    expect(allowed.length / simulated.length).toBeLessThan(0.8);
  });

  it('is accepted by the gateway normalizer, every event, with its nanosecond timestamp', () => {
    const chunk = normalizeDecisionChunk(
      simulated,
      { receivedAt: 0, gatewayId: 'gw', partition: null },
      () => 'e',
    );
    expect(chunk.rejected).toEqual([]);
    expect(chunk.events).toHaveLength(simulated.length);
    expect(goTimeNanos(1_796_114_127_303, 17_406)).toBe('2026-12-01T08:35:27.303017406Z');
    expect(goTimeNanos(1_796_114_127_300, 0)).toBe('2026-12-01T08:35:27.3Z');
    expect(goTimeNanos(1_796_114_127_000, 0)).toBe('2026-12-01T08:35:27Z');
  });
});

describe('createDecisionLog: periodic uploads like OPA', () => {
  it('makes rate × elapsed decisions and uploads each instance once per interval, staggered', () => {
    const fleet = createFleet(options);
    const log = createDecisionLog(fleet, seededRandom(2), { eventsPerSecond: 100, uploadIntervalMs: 1000 });
    const uploads: [number, DecisionUpload][] = [];
    for (let t = 0; t <= 3000; t += 50) for (const u of log.due(10_000 + t)) uploads.push([t, u]);
    for (const u of log.flush(13_000)) uploads.push([3000, u]);
    const events = uploads.reduce((n, [, u]) => n + u.events, 0);
    expect(events).toBe(300);
    // Instance i first uploads at (i + 1) / 4 of the interval, then once a second.
    const byInstance = new Map<string, number[]>();
    for (const [t, u] of uploads) {
      const id = arrayOf(u)[0]!.labels as { id: string };
      byInstance.set(id.id, [...(byInstance.get(id.id) ?? []), t]);
    }
    expect(fleet.map((i) => byInstance.get(i.id)!.slice(0, 3))).toEqual([
      [250, 1250, 2250],
      [500, 1500, 2500],
      [750, 1750, 2750],
      [1000, 2000, 3000],
    ]);
  });

  it('posts gzipped JSON to /logs or /logs/<partition> with OPA headers; ids, counts and order match the body', () => {
    const fleet = createFleet(options);
    const log = createDecisionLog(fleet, seededRandom(2), { eventsPerSecond: 40, uploadIntervalMs: 500 });
    log.due(0);
    const uploads = log.flush(2000);
    expect(uploads.map((u) => u.path)).toEqual(
      fleet.map((i) => (i.partition ? `/logs/${i.partition}` : '/logs')),
    );
    for (const u of uploads) {
      expect(u.headers).toMatchObject({ 'content-type': 'application/json', 'content-encoding': 'gzip' });
      expect(u.headers['user-agent']).toMatch(/^Open Policy Agent\//);
      const body = arrayOf(u);
      expect(body.map((e) => e.decision_id)).toEqual(u.decisionIds);
      expect(body).toHaveLength(u.events);
      // Each instance numbers its requests from 1 and logs its decisions in time order.
      expect(body.map((e) => e.req_id)).toEqual(body.map((_, i) => i + 1));
      const times = body.map((e) => e.timestamp as string);
      expect([...times].sort()).toEqual(times);
    }
    expect(uploads.reduce((n, u) => n + u.events, 0)).toBe(80);
  });

  it('bounds chunks by the size limit: a large buffer goes as several chunks', () => {
    const fleet = createFleet({ ...options, size: 1 });
    const log = createDecisionLog(fleet, seededRandom(2), {
      eventsPerSecond: 5000,
      uploadIntervalMs: 60_000,
      limitBytes: 8192,
    });
    log.due(0);
    const uploads = log.flush(1000);
    expect(uploads.length).toBeGreaterThan(1);
    expect(uploads.every((u) => u.body.length <= 8192)).toBe(true);
    expect(uploads.reduce((n, u) => n + u.events, 0)).toBe(5000);
    expect(log.dropped).toBe(0);
  });

  it("sends a requeued chunk again first with its instance's next upload, as OPA does", () => {
    const fleet = createFleet({ ...options, size: 2 });
    const log = createDecisionLog(fleet, seededRandom(2), { eventsPerSecond: 20, uploadIntervalMs: 1000 });
    log.due(0);
    const [first] = log.due(500); // instance 0 uploads at 500 ms
    expect(first).toMatchObject({ instance: 0, attempt: 0 });
    log.requeue(first!);
    expect(log.requeued).toBe(first!.events);
    // Instance 1 (due at 1000 ms) does not carry it; instance 0's next upload (1500 ms) does, first.
    expect(log.due(1000).flatMap((u) => u.decisionIds)).not.toEqual(
      expect.arrayContaining(first!.decisionIds),
    );
    const next = log.due(1500);
    expect(next[0]).toMatchObject({
      instance: 0,
      attempt: 1,
      decisionIds: first!.decisionIds,
      body: first!.body,
    });
    expect(next.slice(1).every((u) => u.attempt === 0 && u.instance === 0)).toBe(true);
    expect(log.requeued).toBe(0);
  });

  it('is the same for the same seed but for the decision ids, new in every run (one row per id in ClickHouse)', () => {
    const run = (newDecisionId?: () => string) => {
      const log = createDecisionLog(createFleet(options), seededRandom(4), {
        eventsPerSecond: 30,
        uploadIntervalMs: 100,
        ...(newDecisionId ? { newDecisionId } : {}),
      });
      log.due(0);
      return log.flush(1000).flatMap((u) => arrayOf(u));
    };
    const [a, b] = [run(), run()];
    const withoutIds = (events: Record<string, unknown>[]) =>
      events.map(({ decision_id: _, ...rest }) => rest);
    expect(withoutIds(a)).toEqual(withoutIds(b));
    const ids = [...a, ...b].map((e) => e.decision_id as string);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Reproducible ids when a test asks for them.
    const seeded = () => {
      const random = seededRandom(5);
      return run(() => random.uuid()).map((e) => e.decision_id);
    };
    expect(seeded()).toEqual(seeded());
    const off = createDecisionLog(createFleet(options), seededRandom(4), {
      eventsPerSecond: 0,
      uploadIntervalMs: 100,
    });
    expect([...off.due(0), ...off.due(5000), ...off.flush(10_000)]).toEqual([]);
  });
});
