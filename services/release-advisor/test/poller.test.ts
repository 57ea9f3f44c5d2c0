import { createLogger } from '@opa-fleet/runtime';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AdvisorError } from '../src/advisor-error';
import { createPoller } from '../src/poller';

const logger = createLogger('poller-test', { level: 'silent' });

describe('poller', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs at once, then every interval, and backs off exponentially after retriable failures', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter
    const outcomes = ['fail', 'fail', 'fail', 'ok', 'ok'];
    const runs: number[] = [];
    const poller = createPoller({
      name: 't',
      intervalMs: 10_000,
      retryMinMs: 1_000,
      logger,
      run: async () => {
        runs.push(Date.now());
        if (outcomes.shift() === 'fail') throw new AdvisorError('SOURCE_HTTP', '500', { retriable: true });
      },
    });
    const start = Date.now();
    poller.start();
    await vi.advanceTimersByTimeAsync(30_000);
    await poller.stop();
    expect(runs.slice(0, 5).map((t) => t - start)).toEqual([0, 1_000, 3_000, 7_000, 17_000]);
  });

  it('waits the full interval after a non-retriable failure and never throws', async () => {
    const runs: number[] = [];
    const poller = createPoller({
      name: 't',
      intervalMs: 10_000,
      retryMinMs: 1_000,
      logger,
      run: async () => {
        runs.push(Date.now());
        throw new AdvisorError('SOURCE_INVALID', 'bad', { retriable: false });
      },
    });
    const start = Date.now();
    poller.start();
    await vi.advanceTimersByTimeAsync(15_000);
    await poller.stop();
    expect(runs.map((t) => t - start)).toEqual([0, 10_000]);
  });

  it("honours the server's Retry-After when it is longer than the backoff", async () => {
    const runs: number[] = [];
    const poller = createPoller({
      name: 't',
      intervalMs: 10_000,
      retryMinMs: 1_000,
      logger,
      run: async () => {
        runs.push(Date.now());
        if (runs.length === 1)
          throw new AdvisorError('SOURCE_HTTP', '429', { retriable: true, retryAfterMs: 60_000 });
      },
    });
    const start = Date.now();
    poller.start();
    await vi.advanceTimersByTimeAsync(61_000);
    await poller.stop();
    expect(runs.map((t) => t - start)).toEqual([0, 60_000]);
  });

  it('stops scheduling after stop()', async () => {
    let count = 0;
    const poller = createPoller({
      name: 't',
      intervalMs: 100,
      retryMinMs: 10,
      logger,
      run: async () => void count++,
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(350);
    await poller.stop();
    const seen = count;
    await vi.advanceTimersByTimeAsync(1_000);
    expect(seen).toBe(4);
    expect(count).toBe(seen);
  });
});
