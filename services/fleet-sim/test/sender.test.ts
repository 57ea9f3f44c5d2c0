// The simulator's own accounting, against a local HTTP peer on 127.0.0.1 that answers by path.
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecisionLog, createFleet, createSchedule, runFleet, seededRandom } from '../src/index';

describe('runFleet', () => {
  let server: http.Server;
  let target: URL;
  const seen: string[] = [];

  /** Decision ids of each gzipped chunk posted to /logs[/<partition>], by path, in arrival order. */
  const logged: { path: string; ids: string[] }[] = [];
  let euRequests = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''} ${req.headers['content-encoding'] ?? ''}`);
      if (req.url?.startsWith('/logs')) {
        const parts: Buffer[] = [];
        req.on('data', (part: Buffer) => parts.push(part));
        req.on('end', () => {
          const events = JSON.parse(gunzipSync(Buffer.concat(parts)).toString()) as { decision_id: string }[];
          logged.push({ path: req.url!, ids: events.map((e) => e.decision_id) });
          // /logs/us is always "unavailable", /logs/eu only for its first chunk: both are sent again.
          const unavailable = req.url === '/logs/us' || (req.url === '/logs/eu' && euRequests++ === 0);
          res.statusCode = unavailable ? 503 : 200;
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
    // About 200/s for 0.5 s; every one made was sent (the rest of the buffers at the end).
    const { decisionEvents: events } = summary;
    expect(events.sent).toBeGreaterThanOrEqual(100);
    const distinct = (path?: string) =>
      new Set(logged.filter((l) => path === undefined || l.path === path).flatMap((l) => l.ids));
    expect(distinct().size).toBe(events.sent);
    // Every 503 was followed by the same chunk in the instance's next upload (as OPA requeues it):
    // /logs/eu's first chunk went twice and was then accepted; /logs/us's never were.
    const eu = logged.filter((l) => l.path === '/logs/eu');
    expect(eu.length).toBeGreaterThan(1);
    expect(eu.slice(1).filter((l) => l.ids.join() === eu[0]!.ids.join())).toHaveLength(1);
    const us = logged.filter((l) => l.path === '/logs/us');
    expect(us.length).toBeGreaterThan(1);
    expect(summary.byKind.decisions.accepted).toBe(summary.byKind.decisions.sent - us.length - 1);
    expect(events.accepted).toBe(events.sent - distinct('/logs/us').size);
    expect(events.resent).toBe(logged.reduce((n, l) => n + l.ids.length, 0) - events.sent);
    // What /logs/us sent was requeued each time and still pending when the run ended.
    expect(events.unacknowledged).toBe(distinct('/logs/us').size);
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
