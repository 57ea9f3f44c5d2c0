// A start-up step (migrations, topics, connecting) retried with backoff while it fails retriably:
// ClickHouse or Kafka may come up after the loader. A non-retriable failure (`retriable: false`,
// e.g. a changed migration) or a stop() meanwhile ends the wait with the error.
import type { Logger } from '@opa-fleet/runtime';

export async function retryStartUpStep(options: {
  logger: Logger;
  what: string;
  attempt: () => Promise<unknown>;
  cancelled: () => boolean;
  initialMs?: number;
  maxMs?: number;
}): Promise<void> {
  const { logger, what, attempt, cancelled } = options;
  for (let delay = options.initialMs ?? 500; ; delay = Math.min(delay * 2, options.maxMs ?? 10_000)) {
    try {
      await attempt();
      return;
    } catch (err) {
      if ((err as { retriable?: unknown }).retriable === false || cancelled()) throw err;
      logger.warn({ err, what, retryInMs: delay }, 'start-up step failed; retrying');
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
