// Runs a task now and then again after its interval; after a failure, sooner with exponential backoff
// and jitter (capped at the interval), so a flaky source is retried without hammering it. Never throws.
import type { Logger } from '@opa-fleet/runtime';

const MAX_RETRY_AFTER_MS = 3_600_000;

export interface PollerOptions {
  name: string;
  intervalMs: number;
  retryMinMs: number;
  logger: Logger;
  /**
   * Throwing counts as a failure; a `retriable: false` error waits the full interval, an error with
   * `retryAfterMs` (the server's Retry-After) waits at least that long, at most an hour.
   */
  run(): Promise<void>;
}

export interface Poller {
  start(): void;
  /** Runs the task now (outside the schedule), after a run in flight. */
  trigger(): Promise<void>;
  /** Stops scheduling and waits for a run in flight. */
  stop(): Promise<void>;
}

export function createPoller(options: PollerOptions): Poller {
  const { name, intervalMs, retryMinMs, logger } = options;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let failures = 0;
  let stopped = true;

  function nextDelay(err: unknown): number {
    if (err === undefined) return intervalMs;
    const { retriable, retryAfterMs } = err as { retriable?: unknown; retryAfterMs?: unknown };
    if (retriable === false) return intervalMs;
    const backoff = Math.min(intervalMs, retryMinMs * 2 ** Math.min(failures - 1, 20));
    const jittered = Math.round(backoff * (0.8 + Math.random() * 0.4));
    return typeof retryAfterMs === 'number'
      ? Math.max(jittered, Math.min(retryAfterMs, MAX_RETRY_AFTER_MS))
      : jittered;
  }

  function runOnce(): Promise<void> {
    running = running.then(async () => {
      let error: unknown;
      try {
        await options.run();
        failures = 0;
      } catch (err) {
        error = err ?? new Error('unknown failure');
        failures += 1;
        logger.warn({ err, task: name, failures }, 'task failed; will retry');
      }
      if (!stopped) {
        clearTimeout(timer);
        timer = setTimeout(() => void runOnce(), nextDelay(error));
      }
    });
    return running;
  }

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      void runOnce();
    },
    trigger: runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
