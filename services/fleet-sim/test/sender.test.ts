// The simulator's own accounting, against a local HTTP peer on 127.0.0.1 that answers by path.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFleet, createSchedule, runFleet, seededRandom } from '../src/index';

describe('runFleet', () => {
  let server: http.Server;
  let target: URL;
  const seen: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization ?? ''}`);
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
      seen.filter((line) => line.startsWith('/status')).every((line) => line.endsWith('Bearer t0k')),
    ).toBe(true);
    expect(seen.filter((line) => line.startsWith('/v1/version')).every((line) => line.endsWith(' '))).toBe(
      true,
    );
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
