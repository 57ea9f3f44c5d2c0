// The one retry policy (Backoff) and the start-up helper every service uses.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Backoff, retryStartUpStep } from '../src/index';

describe('Backoff', () => {
  it('doubles from the initial delay up to the maximum, and starts over after reset()', () => {
    const backoff = new Backoff({ initialMs: 100, maxMs: 700, jitter: 0 });
    expect([1, 2, 3, 4, 5].map(() => backoff.next())).toEqual([100, 200, 400, 700, 700]);
    expect(backoff.attempts).toBe(5);
    backoff.reset();
    expect(backoff.next()).toBe(100);
  });

  it('spreads each delay by the jitter share around the step', () => {
    const low = new Backoff({ initialMs: 1000, maxMs: 10_000 }, () => 0);
    const high = new Backoff({ initialMs: 1000, maxMs: 10_000 }, () => 1);
    expect([low.next(), low.next()]).toEqual([800, 1600]);
    expect([high.next(), high.next()]).toEqual([1200, 2400]);
  });

  it('does not overflow after very many failures', () => {
    const backoff = new Backoff({ initialMs: 500, maxMs: 30_000, jitter: 0 });
    for (let i = 0; i < 2000; i++) backoff.next();
    expect(backoff.next()).toBe(30_000);
  });
});

describe('retryStartUpStep', () => {
  const logger = pino({ level: 'silent' });
  /** Runs a step whose attempt n (1-based) throws `failures(n)`, or succeeds when it returns null. */
  function runStep(failures: (n: number) => Error | null) {
    let calls = 0;
    const done = retryStartUpStep({
      logger,
      what: 'step',
      initialMs: 1,
      cancelled: () => false,
      attempt: async () => {
        const failure = failures(++calls);
        if (failure) throw failure;
      },
    });
    return { done, calls: () => calls };
  }

  it('retries a retriable failure until the step succeeds', async () => {
    const step = runStep((n) => (n < 3 ? Object.assign(new Error('not up yet'), { retriable: true }) : null));
    await step.done;
    expect(step.calls()).toBe(3);
  });

  it('gives up at once on a non-retriable failure', async () => {
    const failure = Object.assign(new Error('changed migration'), { retriable: false });
    const step = runStep(() => failure);
    await expect(step.done).rejects.toBe(failure);
    expect(step.calls()).toBe(1);
  });

  it('stops retrying once cancelled', async () => {
    let calls = 0;
    const failure = Object.assign(new Error('not up yet'), { retriable: true });
    await expect(
      retryStartUpStep({
        logger,
        what: 'step',
        initialMs: 1,
        cancelled: () => calls >= 2,
        attempt: async () => {
          calls++;
          throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect(calls).toBe(2);
  });
});
