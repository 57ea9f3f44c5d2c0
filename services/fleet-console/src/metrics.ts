// The console's own Prometheus metrics: API requests, query latency per documented query, refused
// requests by reason, and failed scrapes of the services' /metrics.
import { Counter, Histogram, type Registry } from 'prom-client';

export interface ConsoleMetrics {
  requests: Counter<'route' | 'code'>;
  queryDuration: Histogram<'query' | 'outcome'>;
  rejected: Counter<'route' | 'reason'>;
  scrapes: Counter<'target' | 'outcome'>;
}

export function createConsoleMetrics(registry: Registry): ConsoleMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'console_http_requests_total',
      help: 'HTTP requests answered, by route and status code',
      labelNames: ['route', 'code'],
      registers,
    }),
    queryDuration: new Histogram({
      name: 'console_query_duration_seconds',
      help: 'Time ClickHouse took to answer a documented query, by query and outcome',
      labelNames: ['query', 'outcome'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    rejected: new Counter({
      name: 'console_requests_rejected_total',
      help: 'API requests answered with an error, by route and reason (the code in the reply body)',
      labelNames: ['route', 'reason'],
      registers,
    }),
    scrapes: new Counter({
      name: 'console_scrapes_total',
      help: "Scrapes of the services' /metrics for the ingestion-health panel, by target and outcome",
      labelNames: ['target', 'outcome'],
      registers,
    }),
  };
}
