// The project's one retry policy: exponential backoff with jitter, from `initialMs` doubling up to
// `maxMs`. Every wait-and-try-again uses it (a failing flush of a loader, a crashed consumer's
// replacement, a start-up step), so retries are tuned, and read, in one place.

export interface RetryPolicy {
  /** The first delay. */
  initialMs: number;
  /** No delay is longer. */
  maxMs: number;
  /** Each delay is spread by ± this share, so replicas do not retry in step. Default 0.2. */
  jitter?: number;
}

export class Backoff {
  private failures = 0;

  constructor(
    private readonly policy: RetryPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call doubles the one after. */
  next(): number {
    const { initialMs, maxMs, jitter = 0.2 } = this.policy;
    const base = Math.min(initialMs * 2 ** Math.min(this.failures, 30), maxMs);
    this.failures += 1;
    return Math.round(base * (1 - jitter + this.random() * 2 * jitter));
  }

  /** After a success: the next failure waits `initialMs` again. */
  reset(): void {
    this.failures = 0;
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.failures;
  }
}
