// Batching idempotent producer: many concurrent callers share one produce request.
//
// Why a layer over kafkajs: kafkajs sends one produce request per send() call, and its idempotent producer
// serializes requests per broker, so one record per HTTP request caps throughput at one round-trip each.
// Here callers enqueue; a batch leaves after `lingerMs` or at `maxBatchMessages` on a free lane (one kafkajs
// producer each, `concurrency` of them), and while every lane is busy the next batch fills up (the same
// natural batching librdkafka does). Each caller's promise settles
// with ITS batch's acknowledgement (acks=all), so the gateway still replies only after Kafka has the record.
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
import type { IHeaders, Kafka, Producer as KafkaJsProducer, Message, TopicMessages } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { KafkaError } from './errors';

export interface OutgoingMessage {
  topic: string;
  key: string | Buffer | null;
  value: Buffer;
  headers?: IHeaders;
}

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

/** One kafkajs idempotent producer (own connection, own producer id) sending one batch at a time. */
interface Lane {
  index: number;
  producer: KafkaJsProducer;
  connected: boolean;
  connecting: Promise<void> | null;
  reconnectTimer: NodeJS.Timeout | undefined;
  batch: Batch | null;
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

interface Pending {
  message: OutgoingMessage;
  bytes: number;
  enqueuedAt: number;
  settled: boolean;
  resolve: () => void;
  reject: (err: KafkaError) => void;
}

interface Batch {
  items: Pending[];
  startedAt: number;
  /** Its callers were answered with PRODUCE_TIMEOUT; kafkajs still owns it. */
  timedOut: boolean;
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

  const newKafkaProducer = (): KafkaJsProducer =>
    kafka.producer({
      idempotent: true,
      // Idempotence needs ordered requests per connection; each lane sends one batch at a time anyway.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries, initialRetryTime: 100, maxRetryTime: 2000 },
    });

  const lanes: Lane[] = Array.from({ length: Math.max(1, concurrency) }, (_, index) => ({
    index,
    producer: newKafkaProducer(),
    connected: false,
    connecting: null,
    reconnectTimer: undefined,
    batch: null,
  }));
  let closing = false;
  let lingerTimer: { cancel(): void } | undefined;
  let sweepTimer: NodeJS.Timeout | undefined;
  let queue: Pending[] = [];
  let pendingMessages = 0;
  let pendingBytes = 0;
  let idleWaiters: (() => void)[] = [];

  const anyConnected = () => lanes.some((lane) => lane.connected);
  const busy = () => lanes.some((lane) => lane.batch !== null);
  const freeLane = () => lanes.find((lane) => lane.connected && lane.batch === null);

  function connect(): Promise<void> {
    return Promise.all(lanes.map(connectLane)).then(() => undefined);
  }

  function connectLane(lane: Lane): Promise<void> {
    if (lane.connected) return Promise.resolve();
    if (lane.connecting) return lane.connecting;
    lane.connecting = new Promise<void>((resolve, reject) => {
      const attempt = () => {
        if (closing) {
          lane.connecting = null;
          reject(
            new KafkaError('PRODUCER_CLOSED', 'producer closed before it connected', { retriable: false }),
          );
          return;
        }
        const current = lane.producer;
        current.connect().then(
          () => {
            if (current !== lane.producer) return attempt(); // replaced meanwhile
            lane.connected = true;
            lane.connecting = null;
            metrics?.connected.set(lanes.filter((l) => l.connected).length);
            log.info({ lane: lane.index }, 'producer connected');
            resolve();
            dispatchSoon();
          },
          (err: unknown) => {
            log.warn({ err: errorSummary(err), lane: lane.index }, 'producer cannot connect; retrying');
            lane.reconnectTimer = setTimeout(attempt, reconnectMs);
          },
        );
      };
      attempt();
    });
    return lane.connecting;
  }

  /** After a failed batch: a fresh producer id for that lane, so no sequence number is reused (see header). */
  function resetLane(lane: Lane): void {
    if (closing) return;
    lane.connected = false;
    metrics?.connected.set(lanes.filter((l) => l.connected).length);
    const old = lane.producer;
    lane.producer = newKafkaProducer();
    old
      .disconnect()
      .catch((err: unknown) => log.debug({ err: errorSummary(err) }, 'old producer disconnect failed'));
    connectLane(lane).catch(() => {});
  }

  function stalled(now: number): boolean {
    return lanes.some(
      ({ batch }) => batch !== null && (batch.timedOut || now - batch.startedAt > sendTimeoutMs),
    );
  }

  function send(message: OutgoingMessage): Promise<void> {
    const now = Date.now();
    if (closing) return reject('PRODUCER_CLOSED', 'producer is closing', false);
    if (!anyConnected()) return reject('KAFKA_UNAVAILABLE', 'not connected to Kafka', true);
    if (stalled(now)) return reject('KAFKA_UNAVAILABLE', 'Kafka is not acknowledging in time', true);
    const bytes = message.value.length + (message.key?.length ?? 0);
    if (pendingMessages + 1 > maxPendingMessages || pendingBytes + bytes > maxPendingBytes) {
      return reject('PRODUCER_OVERLOADED', 'too many records waiting for Kafka', true);
    }
    return new Promise<void>((resolve, rejectPromise) => {
      queue.push({ message, bytes, enqueuedAt: now, settled: false, resolve, reject: rejectPromise });
      pendingMessages += 1;
      pendingBytes += bytes;
      metrics?.pending.set(pendingMessages);
      if (!freeLane()) {
        ensureSweep(); // all lanes busy: the batch fills until one is free
        return;
      }
      if (queue.length >= maxBatchMessages) dispatch();
      else scheduleDispatch(lingerMs);
    });

    function reject(
      code: 'PRODUCER_CLOSED' | 'KAFKA_UNAVAILABLE' | 'PRODUCER_OVERLOADED',
      text: string,
      retriable: boolean,
    ) {
      metrics?.rejected.inc({ code });
      return Promise.reject(new KafkaError(code, text, { retriable }));
    }
  }

  function dispatchSoon(): void {
    if (queue.length > 0 && freeLane()) scheduleDispatch(0);
  }

  /**
   * 0 ms means "after this event-loop turn" (setImmediate), not setTimeout's 1 ms minimum: every record
   * handed over during the turn still shares the batch, and a lone record at low load is not held back.
   */
  function scheduleDispatch(delayMs: number): void {
    if (lingerTimer) return;
    if (delayMs > 0) {
      const timer = setTimeout(dispatch, delayMs);
      lingerTimer = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(dispatch);
      lingerTimer = { cancel: () => clearImmediate(immediate) };
    }
  }

  function dispatch(): void {
    lingerTimer?.cancel();
    lingerTimer = undefined;
    while (queue.length > 0) {
      const lane = freeLane();
      if (!lane) {
        ensureSweep(); // queued callers still time out while every lane is busy or reconnecting
        return;
      }
      const items = takeBatch();
      if (items.length > 0) sendBatch(lane, items);
    }
  }

  function takeBatch(): Pending[] {
    const items: Pending[] = [];
    let bytes = 0;
    let taken = 0;
    for (const p of queue) {
      if (items.length >= maxBatchMessages || (items.length > 0 && bytes + p.bytes > maxBatchBytes)) break;
      taken += 1;
      if (p.settled) continue; // timed out while queued; already released
      items.push(p);
      bytes += p.bytes;
    }
    queue = queue.slice(taken);
    return items;
  }

  function sendBatch(lane: Lane, items: Pending[]): void {
    const batch: Batch = { items, startedAt: Date.now(), timedOut: false };
    lane.batch = batch;
    const deadline = items[0]!.enqueuedAt + sendTimeoutMs - batch.startedAt;
    const timer = setTimeout(
      () => {
        batch.timedOut = true;
        timeOut(batch.items);
      },
      Math.max(deadline, 1),
    );
    const stopTimer = metrics?.batchSeconds.startTimer();
    metrics?.batchMessages.observe(items.length);

    lane.producer
      .sendBatch({ topicMessages: byTopic(items), acks: -1, timeout: Math.max(sendTimeoutMs, 1000) })
      .then(
        () => {
          stopTimer?.({ outcome: 'ok' });
          for (const p of items) settle(p, null);
        },
        (err: unknown) => {
          stopTimer?.({ outcome: 'error' });
          const error = toKafkaError(err);
          log.warn(
            { err: errorSummary(err), code: error.code, messages: items.length, lane: lane.index },
            'batch failed',
          );
          for (const p of items) settle(p, error);
          resetLane(lane);
        },
      )
      .finally(() => {
        clearTimeout(timer);
        for (const p of items) release(p);
        lane.batch = null;
        if (queue.length > 0) dispatch();
        else notifyIdle();
      });
  }

  function settle(p: Pending, error: KafkaError | null): void {
    if (p.settled) return;
    p.settled = true;
    if (error) {
      metrics?.rejected.inc({ code: error.code });
      p.reject(error);
    } else p.resolve();
  }

  function release(p: Pending): void {
    pendingMessages -= 1;
    pendingBytes -= p.bytes;
    metrics?.pending.set(pendingMessages);
  }

  function timeOut(items: Pending[]): void {
    const error = new KafkaError(
      'PRODUCE_TIMEOUT',
      `no acknowledgement from Kafka within ${sendTimeoutMs} ms`,
      {
        retriable: true,
      },
    );
    for (const p of items) settle(p, error);
  }

  /** While callers wait in the queue, those past their deadline are answered (and their slot freed). */
  function ensureSweep(): void {
    if (sweepTimer) return;
    sweepTimer = setInterval(
      () => {
        if ((!busy() && queue.length === 0) || closing) {
          clearInterval(sweepTimer);
          sweepTimer = undefined;
          return;
        }
        const now = Date.now();
        const expired: Pending[] = [];
        for (const p of queue) {
          if (now - p.enqueuedAt < sendTimeoutMs) break; // FIFO: the rest are younger
          if (!p.settled) expired.push(p);
        }
        if (expired.length === 0) return;
        queue = queue.filter((p) => !expired.includes(p));
        timeOut(expired);
        for (const p of expired) release(p);
      },
      Math.min(100, Math.max(10, Math.floor(sendTimeoutMs / 10))),
    );
    sweepTimer.unref();
  }

  function notifyIdle(): void {
    if (busy() || queue.length > 0) return;
    const waiters = idleWaiters;
    idleWaiters = [];
    for (const w of waiters) w();
  }

  function flush(): Promise<void> {
    if (!busy() && queue.length === 0) return Promise.resolve();
    if (!anyConnected()) {
      // Nothing can leave: answer the queued callers instead of waiting forever.
      const error = new KafkaError('KAFKA_UNAVAILABLE', 'not connected to Kafka', { retriable: true });
      for (const p of queue) {
        settle(p, error);
        release(p);
      }
      queue = [];
      if (!busy()) return Promise.resolve();
    }
    dispatch();
    return new Promise((resolve) => idleWaiters.push(resolve));
  }

  async function close(timeoutMs = sendTimeoutMs): Promise<void> {
    if (closing) return;
    let timer: NodeJS.Timeout | undefined;
    const flushed = flush();
    closing = true;
    for (const lane of lanes) clearTimeout(lane.reconnectTimer);
    await Promise.race([
      flushed,
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    clearInterval(sweepTimer);
    const error = new KafkaError('PRODUCER_CLOSED', 'producer closed before Kafka acknowledged', {
      retriable: true,
    });
    for (const p of [...queue, ...lanes.flatMap((lane) => lane.batch?.items ?? [])]) settle(p, error);
    for (const lane of lanes) lane.connected = false;
    metrics?.connected.set(0);
    await Promise.all(
      lanes.map((lane) =>
        lane.producer
          .disconnect()
          .catch((err: unknown) => log.warn({ err: errorSummary(err) }, 'disconnect failed')),
      ),
    );
  }

  return {
    connect,
    send,
    flush,
    close,
    isConnected: () => anyConnected() && !closing,
    stats: () => ({
      connected: anyConnected(),
      stalled: stalled(Date.now()),
      queuedMessages: queue.length,
      pendingMessages,
      pendingBytes,
      inFlightBatches: lanes.filter((lane) => lane.batch !== null).length,
      inFlightMessages: lanes.reduce((n, lane) => n + (lane.batch?.items.length ?? 0), 0),
    }),
  };
}

function byTopic(items: Pending[]): TopicMessages[] {
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

/** kafkajs errors carry `retriable`; retries exhausted is retriable from the caller's point of view. */
function toKafkaError(err: unknown): KafkaError {
  const e = err as { name?: string; retriable?: boolean; message?: string };
  if (
    e?.name === 'KafkaJSNumberOfRetriesExceeded' ||
    e?.retriable === true ||
    e?.name === 'KafkaJSConnectionError'
  ) {
    return new KafkaError('KAFKA_UNAVAILABLE', `Kafka did not accept the batch: ${e?.message ?? 'unknown'}`, {
      retriable: true,
      cause: err,
    });
  }
  return new KafkaError('PRODUCE_FAILED', `Kafka refused the batch: ${e?.message ?? 'unknown'}`, {
    retriable: false,
    cause: err,
  });
}

function errorSummary(err: unknown): { name?: string; message?: string } {
  const e = err as { name?: string; message?: string };
  return { name: e?.name, message: e?.message };
}

function producerMetrics(registry: Registry) {
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
