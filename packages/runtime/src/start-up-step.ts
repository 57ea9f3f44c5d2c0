// A start-up step (migrations, topics, connecting) retried with backoff while it fails retriably:
// ClickHouse or Kafka may come up after the service. A non-retriable failure (`retriable: false`,
// e.g. a changed migration) or a cancellation meanwhile ends the wait with the error.
import type { Logger } from 'pino';
import { Backoff } from './backoff';

export async function retryStartUpStep(options: {
  logger: Logger;
  what: string;
  attempt: () => Promise<unknown>;
  cancelled: () => boolean;
  initialMs?: number;
  maxMs?: number;
}): Promise<void> {
  const { logger, what, attempt, cancelled } = options;
  const backoff = new Backoff({ initialMs: options.initialMs ?? 500, maxMs: options.maxMs ?? 10_000 });
  for (;;) {
    try {
      await attempt();
      return;
    } catch (err) {
      if ((err as { retriable?: unknown }).retriable === false || cancelled()) throw err;
      const delay = backoff.next();
      logger.warn({ err, what, retryInMs: delay }, 'start-up step failed; retrying');
      await new Promise((r) => setTimeout(r, delay).unref());
    }
  }
}
