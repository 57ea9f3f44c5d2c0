// The simulator's own accounting, against a local HTTP peer on 127.0.0.1 that answers by path.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecisionLog, createFleet, createSchedule, runFleet, seededRandom } from '../src/index';

describe('runFleet', () => {
  let server: http.Server;
  let target: URL;
  const seen: string[] = [];

  /** Decision ids in the gzipped chunks posted to /logs[/<partition>]. */
  const logged: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''} ${req.headers['content-encoding'] ?? ''}`);
      if (req.url?.startsWith('/logs')) {
        const parts: Buffer[] = [];
        req.on('data', (part: Buffer) => parts.push(part));
        req.on('end', () => {
          for (const e of JSON.parse(gunzipSync(Buffer.concat(parts)).toString()) as {
            decision_id: string;
          }[])
            logged.push(e.decision_id);
          // /logs/us is "unavailable" so the summary must count its chunks as not accepted.
          res.statusCode = req.url === '/logs/us' ? 503 : 200;
          res.end();
        });
        return;
      }
      req.resume();
      // /status/us is "refused" so the summary must count rejections.
      res.statusCode = req.url === '/status/us' ? 400 : 200;
      res.end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    target = new URL(`http://127.0.0.1:${(server.address() as { port: number }).port}`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends exactly --count reports and counts accepted and rejected ones by kind and path', async () => {
    const fleet = createFleet({ size: 3, seed: 1, partitions: ['', 'eu', 'us'], failingShare: 0 });
    const schedule = createSchedule(fleet, seededRandom(2), { dayMs: 3_600_000, changeChance: 0 });
    const summary = await runFleet(schedule, {
      target,
      rate: 1000,
      count: 12,
      concurrency: 4,
      requestTimeoutMs: 2000,
      statusToken: 't0k',
    });
    expect(summary.sent).toBe(12);
    expect(summary.byKind.version).toEqual({ sent: 3, accepted: 3 });
    expect(summary.byKind.status.sent).toBe(9);
    expect(summary.rejected).toBe(3);
    expect(summary.accepted).toBe(9);
    expect(summary.acceptedStatusByPath).toEqual({ '/status/': 3, '/status/eu': 3 });
    expect(
      seen.filter((line) => line.startsWith('/status')).every((line) => line.endsWith('Bearer t0k ')),
    ).toBe(true);
    expect(seen.filter((line) => line.startsWith('/v1/version')).every((line) => line.endsWith('  '))).toBe(
      true,
    );
  });

  it('uploads the decision log beside the reports and counts its chunks and events', async () => {
    seen.length = 0;
    const fleet = createFleet({ size: 3, seed: 1, partitions: ['', 'eu', 'us'], failingShare: 0 });
    const schedule = createSchedule(fleet, seededRandom(2), { dayMs: 3_600_000, changeChance: 0 });
    const decisions = createDecisionLog(fleet, seededRandom(3), {
      eventsPerSecond: 200,
      uploadIntervalMs: 100,
    });
    const summary = await runFleet(schedule, {
      target,
      rate: 20,
      durationMs: 500,
      concurrency: 4,
      requestTimeoutMs: 2000,
      statusToken: 't0k',
      decisions,
    });
    const chunks = seen.filter((line) => line.startsWith('/logs'));
    expect(chunks.length).toBe(summary.byKind.decisions.sent);
    expect(chunks.every((line) => line.endsWith('Bearer t0k gzip'))).toBe(true);
    expect(new Set(chunks.map((line) => line.split(' ')[0]))).toEqual(
      new Set(['/logs', '/logs/eu', '/logs/us']),
    );
    // About 200/s for 0.5 s; every one made was sent (the rest of the buffers at the end), each once.
    expect(summary.decisionEvents.sent).toBeGreaterThanOrEqual(90);
    expect(logged).toHaveLength(summary.decisionEvents.sent);
    expect(new Set(logged).size).toBe(logged.length);
    // The third instance's chunks (/logs/us) were answered 503.
    const us = chunks.filter((line) => line.startsWith('/logs/us ')).length;
    expect(us).toBeGreaterThan(0);
    expect(summary.byKind.decisions.accepted).toBe(summary.byKind.decisions.sent - us);
    expect(summary.decisionEvents.accepted).toBeLessThan(summary.decisionEvents.sent);
    expect(summary.decisionEvents.accepted).toBeGreaterThan(0);
    expect(summary.unansweredSeqs).toEqual([]);
  });

  it('counts reports that got no answer as failed', async () => {
    const fleet = createFleet({ size: 2, seed: 1, partitions: [''], failingShare: 0 });
    const schedule = createSchedule(fleet, seededRandom(2), { dayMs: 3_600_000, changeChance: 0 });
    const summary = await runFleet(schedule, {
      target: new URL('http://127.0.0.1:1'),
      rate: 1000,
      count: 4,
      concurrency: 2,
      requestTimeoutMs: 1000,
    });
    expect(summary).toMatchObject({ sent: 4, accepted: 0, failed: 4 });
  });
});
