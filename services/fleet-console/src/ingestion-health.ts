// What the ingestion-health panel shows of one service, from the samples of its /metrics: consumer lag,
// records sent to the dead-letter topic, sink health and pending records (loaders); reports accepted and
// refused, decision events kept in the dead-letter topic (gateway). A metric the service does not declare
// stays null: a service that does not have it is not shown as healthy with zeros.
import type { Exposition } from './prometheus-text';

export interface ServiceHealth {
  name: string;
  url: string;
  /** False when /metrics did not answer; `error` says why. */
  up: boolean;
  error: string | null;
  /** Records behind the high watermark, summed over every partition the loader consumes. */
  consumerLag: number | null;
  /** The same per topic. */
  lagByTopic: Record<string, number>;
  /** Records the loader sent to the dead-letter topic since it started. */
  deadLetters: number | null;
  /** Decision events the gateway kept in the dead-letter topic since it started. */
  rejectedDecisionEvents: number | null;
  sinkHealthy: boolean | null;
  pendingRecords: number | null;
  reportsAccepted: number | null;
  reportsRejected: number | null;
}

export function serviceHealth(target: { name: string; url: string }, exposition: Exposition): ServiceHealth {
  const sum = (name: string) => sumOf(exposition, name);
  const lagByTopic: Record<string, number> = {};
  for (const s of exposition.samples) {
    if (s.name !== 'loader_consumer_lag') continue;
    const topic = s.labels.topic ?? '';
    lagByTopic[topic] = (lagByTopic[topic] ?? 0) + s.value;
  }
  const sinkHealthy = sum('loader_sink_healthy');
  return {
    name: target.name,
    url: target.url,
    up: true,
    error: null,
    consumerLag: sum('loader_consumer_lag'),
    lagByTopic,
    deadLetters: sum('loader_dead_letters_total'),
    rejectedDecisionEvents: sum('gateway_decision_events_rejected_total'),
    sinkHealthy: sinkHealthy === null ? null : sinkHealthy > 0,
    pendingRecords: sum('loader_pending_records'),
    reportsAccepted: sum('gateway_reports_accepted_total'),
    reportsRejected: sum('gateway_reports_rejected_total'),
  };
}

export function unreachableService(target: { name: string; url: string }, error: string): ServiceHealth {
  return {
    name: target.name,
    url: target.url,
    up: false,
    error,
    consumerLag: null,
    lagByTopic: {},
    deadLetters: null,
    rejectedDecisionEvents: null,
    sinkHealthy: null,
    pendingRecords: null,
    reportsAccepted: null,
    reportsRejected: null,
  };
}

/** The sum of a family's samples: 0 when declared without any (no increment yet), null when not declared. */
function sumOf(exposition: Exposition, name: string): number | null {
  let total = exposition.families.has(name) ? 0 : null;
  for (const s of exposition.samples) if (s.name === name) total = (total ?? 0) + s.value;
  return total;
}
