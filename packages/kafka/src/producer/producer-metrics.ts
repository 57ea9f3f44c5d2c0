// The producer's metrics, registered on the process' registry when one is given.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export function producerMetrics(registry: Registry) {
  return {
    batchSeconds: new Histogram({
      name: 'kafka_produce_batch_seconds',
      help: 'Time from sending a batch to its acknowledgement (acks=all)',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    batchMessages: new Histogram({
      name: 'kafka_produce_batch_messages',
      help: 'Messages per produce batch',
      buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
      registers: [registry],
    }),
    pending: new Gauge({
      name: 'kafka_producer_pending_messages',
      help: 'Messages queued or in flight',
      registers: [registry],
    }),
    pendingBytes: new Gauge({
      name: 'kafka_producer_pending_bytes',
      help: 'Bytes of messages queued or in flight (bounded by maxPendingBytes)',
      registers: [registry],
    }),
    connected: new Gauge({
      name: 'kafka_producer_connected',
      help: '1 while the producer is connected',
      registers: [registry],
    }),
    rejected: new Counter({
      name: 'kafka_producer_rejected_total',
      help: 'Sends answered with an error, by KafkaError code',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}
