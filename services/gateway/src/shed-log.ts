// One log line per shedding spell instead of one per refused request: the first refusal is logged at once,
// later ones at most every SHED_LOG_INTERVAL_MS, with how many were refused since the last line (the
// `gateway_requests_shed_total` metric counts every one).
import type { Logger } from '@opa-fleet/runtime';
import type { Admission, Refusal } from './admission';

export const SHED_LOG_INTERVAL_MS = 10_000;

export interface ShedLog {
  refused(reason: Refusal): void;
}

export function createShedLog(
  logger: Logger,
  admission: Admission,
  now: () => number = () => performance.now(),
): ShedLog {
  const log = logger.child({ component: 'admission' });
  let lastLineAt = Number.NEGATIVE_INFINITY;
  const since: Record<Refusal, number> = { in_flight_requests: 0, in_flight_bytes: 0, queue_age: 0 };
  return {
    refused(reason) {
      since[reason] += 1;
      const at = now();
      if (at - lastLineAt < SHED_LOG_INTERVAL_MS) return;
      lastLineAt = at;
      log.warn(
        {
          shed: { ...since },
          inFlightRequests: admission.inFlightRequests(),
          inFlightBytes: admission.inFlightBytes(),
          limit: admission.limit(),
          oldestWaitMs: Math.round(admission.oldestWaitMs()),
        },
        'shedding load: report requests refused with 503 OVERLOADED',
      );
      for (const key of Object.keys(since) as Refusal[]) since[key] = 0;
    },
  };
}
