// Prometheus metrics of a loader (lag, batch sizes, rows per table, insert latency, dead letters),
// registered on the process' one registry: hooks for BatchWriter.onInsert and the batch consumer's
// observer.
import type { InsertObservation } from '@opa-fleet/clickhouse';
import type { BatchConsumerObserver } from '@opa-fleet/kafka';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface LoaderMetrics {
  onInsert(o: InsertObservation): void;
  observer: Required<BatchConsumerObserver>;
  /** Reads live state (sink health, pending records) at scrape time. */
  trackStatus(status: () => { sinkHealthy: boolean; pendingRecords: number }): void;
}

export function createLoaderMetrics(registry: Registry): LoaderMetrics {
  const registers = [registry];
  const lag = new Gauge({
    name: 'loader_consumer_lag',
    help: 'Records behind the partition high watermark after the last fetched batch',
    labelNames: ['topic', 'partition'],
    registers,
  });
  const fetched = new Counter({
    name: 'loader_records_fetched_total',
    help: 'Records fetched from Kafka',
    labelNames: ['topic'],
    registers,
  });
  const flushRecords = new Histogram({
    name: 'loader_batch_records',
    help: 'Records per flushed batch',
    buckets: [1, 10, 100, 1000, 5000, 10_000, 50_000, 100_000],
    registers,
  });
  const flushRows = new Histogram({
    name: 'loader_batch_rows',
    help: 'Rows (all tables) per flushed batch',
    buckets: [1, 10, 100, 1000, 10_000, 50_000, 100_000, 200_000, 500_000],
    registers,
  });
  const flushBytes = new Histogram({
    name: 'loader_batch_bytes',
    help: 'Encoded JSONEachRow bytes per flushed batch',
    buckets: [1e3, 1e4, 1e5, 1e6, 4e6, 16e6, 32e6, 64e6],
    registers,
  });
  const flushSeconds = new Histogram({
    name: 'loader_flush_duration_seconds',
    help: 'Time to write a batch (dead letters + every table insert)',
    labelNames: ['outcome'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers,
  });
  const rows = new Counter({
    name: 'loader_rows_inserted_total',
    help: 'Rows inserted into ClickHouse',
    labelNames: ['table'],
    registers,
  });
  const insertSeconds = new Histogram({
    name: 'loader_insert_duration_seconds',
    help: 'Latency of one INSERT (one table of one batch)',
    labelNames: ['table', 'outcome'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const deadLetters = new Counter({
    name: 'loader_dead_letters_total',
    help: 'Records sent to the dead-letter topic',
    labelNames: ['topic', 'code'],
    registers,
  });
  let status: () => { sinkHealthy: boolean; pendingRecords: number } = () => ({
    sinkHealthy: true,
    pendingRecords: 0,
  });
  new Gauge({
    name: 'loader_sink_healthy',
    help: '1 unless flushes are failing',
    registers,
    collect() {
      this.set(status().sinkHealthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'loader_pending_records',
    help: 'Records consumed, not yet committed',
    registers,
    collect() {
      this.set(status().pendingRecords);
    },
  });

  return {
    onInsert(o) {
      insertSeconds.observe({ table: o.table, outcome: o.ok ? 'ok' : 'error' }, o.seconds);
      if (o.ok) rows.inc({ table: o.table }, o.rows);
    },
    observer: {
      onFetch(e) {
        lag.set({ topic: e.topic, partition: String(e.partition) }, e.lag);
        fetched.inc({ topic: e.topic }, e.messages);
      },
      onFlush(e) {
        flushSeconds.observe({ outcome: e.ok ? 'ok' : 'error' }, e.seconds);
        if (!e.ok) return;
        flushRecords.observe(e.records);
        flushRows.observe(e.rows);
        flushBytes.observe(e.bytes);
      },
      onDeadLetter(e) {
        deadLetters.inc({ topic: e.topic, code: e.code });
      },
    },
    trackStatus(read) {
      status = read;
    },
  };
}
