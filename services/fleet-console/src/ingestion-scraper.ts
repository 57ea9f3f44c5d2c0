// Scrapes each configured service's /metrics (in parallel, each bounded by a timeout) into the
// ingestion-health panel's rows. A service that does not answer is a row saying so, not an error.
import { type ServiceHealth, serviceHealth, unreachableService } from './ingestion-health';
import { parsePrometheusText } from './prometheus-text';

export interface ScrapeTarget {
  name: string;
  url: string;
}

export type ScrapeOutcome = (target: ScrapeTarget, ok: boolean) => void;

export async function scrapeIngestionHealth(
  targets: readonly ScrapeTarget[],
  timeoutMs: number,
  onScrape: ScrapeOutcome = () => {},
): Promise<ServiceHealth[]> {
  return Promise.all(
    targets.map(async (target) => {
      try {
        const response = await fetch(target.url, { signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const health = serviceHealth(target, parsePrometheusText(await response.text()));
        onScrape(target, true);
        return health;
      } catch (err) {
        onScrape(target, false);
        const error = err as Error;
        const reason = error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describe(error);
        return unreachableService(target, reason);
      }
    }),
  );
}

/** fetch() reports a refused connection as `fetch failed` with the reason in `cause`. */
function describe(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
