// Batching idempotent producer: many concurrent callers share one produce request.
//
// Why a layer over kafkajs: kafkajs sends one produce request per send() call, and its idempotent producer
// serializes requests per broker, so one record per HTTP request caps throughput at one round-trip each.
// Here callers enqueue; a batch leaves after `lingerMs` or at `maxBatchMessages` on a free lane (one kafkajs
// producer each, `concurrency` of them), and while every lane is busy the next batch fills up (the same
// natural batching librdkafka does). Each caller's promise settles
// with ITS batch's acknowledgement (acks=all), so the gateway still replies only after Kafka has the record.
//
// The parts, one job each: send-queue.ts (the queue, its bound in records and bytes, and answering
// callers), send-timing.ts (linger and the send timeout), lanes.ts (kafkajs producers, connecting and
// replacing them); this file puts them together and sends batches.
//
// Memory is bounded: queued + in-flight messages/bytes are capped and overflow is rejected at once with a
// retriable PRODUCER_OVERLOADED. A caller waiting longer than `sendTimeoutMs` gets PRODUCE_TIMEOUT while its
// batch keeps counting against the bound until kafkajs settles it, so a stuck broker cannot grow memory.
// While a batch is older than the timeout the producer is "stalled" and rejects new sends at once
// (KAFKA_UNAVAILABLE), which turns a dead broker into fast 503s instead of a pile of waiting sockets.
//
// Idempotence: kafkajs retries a failed request with the same sequence numbers (broker-side dedup). When a
// batch finally fails, the broker may still hold it, so the producer is replaced (new producer id) before
// the next batch: reusing the old sequence numbers could make the broker drop a different batch as a
// "duplicate". Retries are bounded so one poisoned batch cannot wedge the producer; duplicates that can
// arise are collapsed downstream by event_id.
import type { Kafka, Message, TopicMessages } from 'kafkajs';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { KafkaError, toKafkaError } from '../errors';
import { errorSummary, type InFlightBatch, type Lane, Lanes } from './lanes';
import { producerMetrics } from './producer-metrics';
import { type OutgoingMessage, type QueuedSend, SendQueue } from './send-queue';
import { SendTiming } from './send-timing';

export type { OutgoingMessage } from './send-queue';

export interface ProducerOptions {
  kafka: Pick<Kafka, 'producer'>;
  logger: Logger;
  /** Producer metrics go here when given. */
  registry?: Registry;
  /** How long the first message of a batch waits for company. Default 2 ms. */
  lingerMs?: number;
  /** Default 500 messages. */
  maxBatchMessages?: number;
  /** Default 768 KiB, below the broker's default 1 MiB per record batch. */
  maxBatchBytes?: number;
  /** Bound on queued + in-flight messages. Default 10 000. */
  maxPendingMessages?: number;
  /** Bound on queued + in-flight bytes. Default 64 MiB. */
  maxPendingBytes?: number;
  /** A caller waits at most this long for its acknowledgement. Default 5 000 ms. */
  sendTimeoutMs?: number;
  /** Delay between connection attempts while the cluster is unreachable. Default 1 000 ms. */
  reconnectMs?: number;
  /** kafkajs retries per batch (bounded on purpose, see above). Default 8. */
  retries?: number;
  /**
   * Batches in flight at once, each on its own kafkajs producer (kafkajs serializes an idempotent
   * producer's requests per broker, so one producer means one round trip at a time). Default 1: on the
   * 2-core development machine more lanes did not raise throughput (CPU-bound) and one lane keeps per-key order.
   * Records of one key may be reordered between concurrent batches; the gateway never has two
   * unacknowledged reports of one instance in flight in practice (OPA waits for each answer).
   */
  concurrency?: number;
}

export interface ProducerStats {
  connected: boolean;
  stalled: boolean;
  queuedMessages: number;
  pendingMessages: number;
  pendingBytes: number;
  inFlightBatches: number;
  inFlightMessages: number;
}

export interface BatchingProducer {
  /** Resolves once connected; keeps retrying in the background until close(). */
  connect(): Promise<void>;
  /** Resolves when the record's batch is acknowledged by all in-sync replicas. Rejects with KafkaError. */
  send(message: OutgoingMessage): Promise<void>;
  /** Resolves when everything enqueued so far has settled. */
  flush(): Promise<void>;
  /** Stops accepting, flushes (bounded by timeoutMs), disconnects. */
  close(timeoutMs?: number): Promise<void>;
  isConnected(): boolean;
  stats(): ProducerStats;
}

export function createProducer(options: ProducerOptions): BatchingProducer {
  const {
    kafka,
    lingerMs = 2,
    maxBatchMessages = 500,
    maxBatchBytes = 768 * 1024,
    maxPendingMessages = 10_000,
    maxPendingBytes = 64 * 1024 * 1024,
    sendTimeoutMs = 5000,
    reconnectMs = 1000,
    retries = 8,
    concurrency = 1,
  } = options;
  const log = options.logger.child({ component: 'producer' });
  const metrics = options.registry ? producerMetrics(options.registry) : null;
  const queue = new SendQueue(
    { maxBatchMessages, maxBatchBytes, maxPendingMessages, maxPendingBytes },
    metrics && {
      pending: metrics.pending,
      pendingBytes: metrics.pendingBytes,
      onAnswer: (error) => error && metrics.rejected.inc({ code: error.code }),
    },
  );
  const lanes = new Lanes({
    kafka,
    concurrency,
    retries,
    reconnectMs,
    log,
    onConnected: (connected) => {
      metrics?.connected.set(connected);
      if (queue.queued > 0 && lanes.free()) timing.linger(0);
    },
    onDisconnected: (connected) => metrics?.connected.set(connected),
  });
  let closing = false;
  const timing = new SendTiming({
    queue,
    lingerMs,
    sendTimeoutMs,
    dispatch,
    active: () => !closing && (lanes.busy() || queue.queued > 0),
  });
  let idleWaiters: (() => void)[] = [];

  function send(message: OutgoingMessage): Promise<void> {
    const now = Date.now();
    if (closing) return refuse('PRODUCER_CLOSED', 'producer is closing', false);
    if (!lanes.anyConnected()) return refuse('KAFKA_UNAVAILABLE', 'not connected to Kafka', true);
    if (timing.stalled(lanes.inFlight(), now)) {
      return refuse('KAFKA_UNAVAILABLE', 'Kafka is not acknowledging in time', true);
    }
    const bytes = message.value.length + (message.key?.length ?? 0);
    if (!queue.hasRoom(bytes))
      return refuse('PRODUCER_OVERLOADED', 'too many records waiting for Kafka', true);
    const acknowledged = queue.enqueue(message, bytes, now);
    if (!lanes.free())
      timing.sweep(); // all lanes busy: the batch fills until one is free
    else if (queue.full()) dispatch();
    else timing.linger();
    return acknowledged;
  }

  /** A send refused before it was queued. */
  function refuse(
    code: 'PRODUCER_CLOSED' | 'KAFKA_UNAVAILABLE' | 'PRODUCER_OVERLOADED',
    text: string,
    retriable: boolean,
  ): Promise<never> {
    metrics?.rejected.inc({ code });
    return Promise.reject(new KafkaError(code, text, { retriable }));
  }

  function dispatch(): void {
    timing.endLinger();
    while (queue.queued > 0) {
      const lane = lanes.free();
      if (!lane) {
        timing.sweep(); // queued callers still time out while every lane is busy or reconnecting
        return;
      }
      const items = queue.take();
      if (items.length > 0) sendBatch(lane, items);
    }
  }

  function sendBatch(lane: Lane, items: QueuedSend[]): void {
    const batch: InFlightBatch = { items, startedAt: Date.now(), timedOut: false };
    lane.inFlight = batch;
    const cancelDeadline = timing.deadline(batch);
    const stopTimer = metrics?.batchSeconds.startTimer();
    metrics?.batchMessages.observe(items.length);

    lane.producer
      .sendBatch({ topicMessages: byTopic(items), acks: -1, timeout: Math.max(sendTimeoutMs, 1000) })
      .then(
        () => {
          stopTimer?.({ outcome: 'ok' });
          queue.answer(items, null);
        },
        (err: unknown) => {
          stopTimer?.({ outcome: 'error' });
          const error = toKafkaError(err);
          log.warn(
            { err: errorSummary(err), code: error.code, messages: items.length, lane: lane.index },
            'batch failed',
          );
          queue.answer(items, error);
          lanes.replace(lane);
        },
      )
      .finally(() => {
        cancelDeadline();
        queue.release(items);
        lane.inFlight = null;
        if (queue.queued > 0) dispatch();
        else notifyIdle();
      });
  }

  function notifyIdle(): void {
    if (lanes.busy() || queue.queued > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function flush(): Promise<void> {
    if (!lanes.busy() && queue.queued === 0) return Promise.resolve();
    if (!lanes.anyConnected()) {
      // Nothing can leave: answer the queued callers instead of waiting forever.
      const stranded = queue.takeAll();
      queue.answer(
        stranded,
        new KafkaError('KAFKA_UNAVAILABLE', 'not connected to Kafka', { retriable: true }),
      );
      queue.release(stranded);
      if (!lanes.busy()) return Promise.resolve();
    }
    dispatch();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  async function close(timeoutMs = sendTimeoutMs): Promise<void> {
    if (closing) return;
    let timer: NodeJS.Timeout | undefined;
    const flushed = flush();
    closing = true;
    lanes.stopConnecting();
    await Promise.race([
      flushed,
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    timing.stop();
    const unacknowledged = [...queue.takeAll(), ...lanes.inFlight().flatMap((b) => b.items)];
    queue.answer(
      unacknowledged,
      new KafkaError('PRODUCER_CLOSED', 'producer closed before Kafka acknowledged', { retriable: true }),
    );
    await lanes.disconnect();
  }

  return {
    connect: () => lanes.connect(),
    send,
    flush,
    close,
    isConnected: () => lanes.anyConnected() && !closing,
    stats: () => {
      const inFlight = lanes.inFlight();
      return {
        connected: lanes.anyConnected(),
        stalled: timing.stalled(inFlight, Date.now()),
        queuedMessages: queue.queued,
        pendingMessages: queue.pending.messages,
        pendingBytes: queue.pending.bytes,
        inFlightBatches: inFlight.length,
        inFlightMessages: inFlight.reduce((n, b) => n + b.items.length, 0),
      };
    },
  };
}

function byTopic(items: QueuedSend[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const { message } of items) {
    let list = topics.get(message.topic);
    if (!list) {
      list = [];
      topics.set(message.topic, list);
    }
    list.push({ key: message.key, value: message.value, headers: message.headers });
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
