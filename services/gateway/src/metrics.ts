// The gateway's metrics, registered on the process registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Admission } from './admission';
import type { ReportWorker } from './report-work';

export type GatewayMetrics = ReturnType<typeof createGatewayMetrics>;

export function createGatewayMetrics(
  registry: Registry,
  admission: Admission,
  work: ReportWorker,
  /** The listening socket's accept-queue length (accept-queue.ts); null where it cannot be read. */
  acceptQueue: () => Promise<number | null> = async () => null,
) {
  const registers = [registry];
  new Gauge({
    name: 'gateway_accept_queue_connections',
    help: 'Connections the kernel has accepted for the listening socket and the gateway has not taken yet (Linux /proc/net/tcp, NaN elsewhere); Node 20 takes one per event-loop iteration, so a burst of new connections waits here before any of its requests is seen',
    registers,
    async collect() {
      // NaN (no data) where it cannot be read: not Linux, not listening.
      this.set((await acceptQueue()) ?? Number.NaN);
    },
  });
  new Gauge({
    name: 'gateway_work_queued_tasks',
    help: 'Parsing, normalization and encoding tasks of admitted requests waiting for a work thread (WORK_THREADS) or an event-loop turn (WORK_TURN_BUDGET_MS)',
    registers,
    collect() {
      this.set(work.queued());
    },
  });
  // Read at scrape time from the admission state: nothing to update per request.
  new Gauge({
    name: 'gateway_in_flight_requests',
    help: 'Report requests admitted and not yet answered',
    registers,
    collect() {
      this.set(admission.inFlightRequests());
    },
  });
  new Gauge({
    name: 'gateway_in_flight_bytes',
    help: 'Declared body bytes (Content-Length) of the report requests in flight',
    registers,
    collect() {
      this.set(admission.inFlightBytes());
    },
  });
  new Gauge({
    name: 'gateway_oldest_request_wait_seconds',
    help: 'How long the oldest report request whose body has arrived has been waiting for its answer',
    registers,
    collect() {
      this.set(admission.oldestWaitMs() / 1000);
    },
  });
  new Gauge({
    name: 'gateway_admission_limit',
    help: 'Current bound on report requests in flight (steered by the measured latency against ADMISSION_TARGET_LATENCY_MS)',
    registers,
    collect() {
      this.set(admission.limit());
    },
  });
  new Gauge({
    name: 'gateway_admission_latency_seconds',
    help: 'Latency the admission measured over its last window: mean wait of the answered requests (or the oldest unanswered) plus the worst event-loop lateness',
    registers,
    collect() {
      this.set(admission.measuredLatencyMs() / 1000);
    },
  });
  return {
    shed: new Counter({
      name: 'gateway_requests_shed_total',
      help: 'Report requests refused with 503 OVERLOADED before their body was read, by the bound they met',
      labelNames: ['reason'],
      registers,
    }),
    requests: new Counter({
      name: 'gateway_http_requests_total',
      help: 'HTTP requests by route (pattern), method and status code',
      labelNames: ['route', 'method', 'code'],
      registers,
    }),
    duration: new Histogram({
      name: 'gateway_http_request_duration_seconds',
      help: 'Time from request start to response, by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    produce: new Histogram({
      name: 'gateway_produce_duration_seconds',
      help: 'Time from handing a record to the producer until Kafka acknowledged it, by report kind',
      labelNames: ['kind'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    receivedBytes: new Counter({
      name: 'gateway_received_bytes_total',
      help: 'Request body bytes as received (compressed when gzip), by report kind',
      labelNames: ['kind'],
      registers,
    }),
    producedBytes: new Counter({
      name: 'gateway_produced_bytes_total',
      help: 'Avro record bytes acknowledged by Kafka, by report kind',
      labelNames: ['kind'],
      registers,
    }),
    accepted: new Counter({
      name: 'gateway_reports_accepted_total',
      help: 'Reports acknowledged by Kafka, by kind and partition route (default, own, overflow)',
      labelNames: ['kind', 'route'],
      registers,
    }),
    rejectedEvents: new Counter({
      name: 'gateway_decision_events_rejected_total',
      help: 'Decision events refused inside an accepted upload (kept in the dead-letter topic), by reason',
      labelNames: ['reason'],
      registers,
    }),
    rejected: new Counter({
      name: 'gateway_reports_rejected_total',
      help: 'Requests answered with an error, by route and reason (the error code in the reply body)',
      labelNames: ['route', 'reason'],
      registers,
    }),
  };
}
