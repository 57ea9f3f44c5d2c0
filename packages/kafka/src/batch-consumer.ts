// Consumer-group runner with commit-after-sink (at least once, nothing lost):
//
//   kafkajs eachBatch -> sink.add (decode + flatten; a failure becomes a dead letter)
//   -> accumulate across kafkajs batches until maxRows / maxBytes / maxWaitMs
//   -> flush: dead letters to the DLQ topic, then sink.write (one insert per table)
//   -> commit the next offsets of every partition in the flushed batch.
//
// Offsets are committed only after the flush that contains them succeeded. kafkajs runs with
// autoCommit off and eachBatchAutoResolve off; resolveOffset() only moves kafkajs' fetch position,
// so records can be accumulated across kafkajs batches without being fetched again.
//
// A failed flush freezes that batch, pauses every subscribed topic (no fetching, no busy loop; kafkajs
// keeps heartbeating) and retries it with exponential backoff until it succeeds, then commits and
// resumes. Records arriving meanwhile (the rest of the current kafkajs batch) go to the next batch.
//
// A write the sink refuses for the records' content (sink.rejectsRecords(err): e.g. ClickHouse cannot
// parse one row) would fail the same way forever and block the partitions. Instead the batch is
// bisected by records: each half is rebuilt from its records and written; a refused half is split
// again; a record refused alone goes to the dead-letter topic with the error, the rest is written,
// then the offsets are committed. A retriable failure during the bisection takes the usual path
// (pause, backoff, retry); records already found at fault are left out of the retry, and halves
// written again collapse in the sink (rows keyed by event_id + seq).
//
// Pattern subscriptions: kafkajs resolves a RegExp only against topics that exist when it
// subscribes. Every `topicRefreshMs` (10 s by default) the consumer lists topics, and when a new
// matching topic appears it drains (pause, finish the current kafkajs batch, flush, commit),
// disconnects and starts a fresh consumer in the same group subscribed to the new list, reading new
// topics from the beginning. Worst case a new topic is consumed topicRefreshMs + one group rejoin
// (a few seconds) after its creation.
//
// A crashed kafkajs consumer (Kafka away longer than its retries) is never restarted by kafkajs: a
// fresh consumer takes its place after a backoff, and again while Kafka stays away. Replacements
// (crash restart, resubscription) run one at a time, so no retired consumer can rejoin the group.
//
// Rebalances may deliver a record twice (a partition moves before our commit). Sinks must be
// idempotent for redelivered records (the ClickHouse tables collapse rows by event_id + seq).
import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConsumedRecord, DeadLetter, DeadLetterSink } from './dead-letter';
import { recordFailure } from './dead-letter';

export interface BatchSink<B> {
  /** A new, empty batch. */
  createBatch(): B;
  /** Decodes one record into the batch. Throw to dead-letter it; nothing may be added when it throws. */
  add(batch: B, record: ConsumedRecord): void;
  /** Rows and (encoded) bytes in the batch, cheap: called after every record. */
  size(batch: B): { rows: number; bytes: number };
  /** Writes the whole batch. Throw to have it retried later; it may be called again with the same batch. */
  write(batch: B): Promise<void>;
  /**
   * True when an error thrown by write() says the content of some records was refused (the same
   * records fail again; fewer without them succeed), so the batch is bisected to set them aside.
   * Without it every write failure is retried.
   */
  rejectsRecords?(err: unknown): boolean;
}

export interface BatchLimits {
  /** Flush when the batch holds this many rows (sum over tables). */
  maxRows: number;
  /** Flush when the batch holds this many encoded bytes. */
  maxBytes: number;
  /** Flush at the latest this long after the first record of the batch arrived. */
  maxWaitMs: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxRows: 200_000,
  maxBytes: 32 * 1024 * 1024,
  maxWaitMs: 1000,
};

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

export interface FlushObservation {
  records: number;
  rows: number;
  bytes: number;
  deadLetters: number;
  seconds: number;
  ok: boolean;
  error?: unknown;
}

export interface BatchConsumerObserver {
  /** After each kafkajs batch: messages fetched and the partition's remaining lag. */
  onFetch?(e: { topic: string; partition: number; messages: number; lag: number }): void;
  onFlush?(e: FlushObservation): void;
  onDeadLetter?(e: { topic: string; partition: number; offset: string; code: string }): void;
}

export interface BatchConsumerOptions<B> {
  kafka: Kafka;
  groupId: string;
  /** Fixed topics, or a pattern checked for new matching topics every `topicRefreshMs`. */
  topics: readonly string[] | RegExp;
  sink: BatchSink<B>;
  deadLetter: DeadLetterSink;
  logger: Logger;
  limits?: Partial<BatchLimits>;
  retry?: Partial<RetryPolicy>;
  /** Pattern re-check interval; default 10 s (new topics are consumed well within 30 s). */
  topicRefreshMs?: number;
  /** For partitions without a committed offset. Default true: nothing written before the first start is skipped. */
  fromBeginning?: boolean;
  observer?: BatchConsumerObserver;
  consumerConfig?: Partial<ConsumerConfig>;
}

export interface BatchConsumerStatus {
  /** A kafkajs consumer is running (or waiting for its first matching topic). */
  running: boolean;
  /** False while a flush is failing and being retried. */
  sinkHealthy: boolean;
  subscribedTopics: string[];
  /** Records accumulated and not yet committed. */
  pendingRecords: number;
}

export interface BatchConsumer {
  start(): Promise<void>;
  /** Drains: stops fetching, flushes and commits what it can, leaves the group. */
  stop(): Promise<void>;
  status(): BatchConsumerStatus;
}

interface Pending<B> {
  batch: B;
  records: number;
  /** The records in `batch` (kept only when the sink can refuse records, to rebuild halves of it). */
  accepted: ConsumedRecord[];
  /**
   * Set once the sink refused the batch: records written or refused so far while bisecting (a retry
   * skips them), and the refused ones, dead-lettered before the commit.
   */
  isolation: { settled: Set<ConsumedRecord>; refused: DeadLetter[] } | null;
  deadLetters: DeadLetter[];
  deadLettersSent: boolean;
  /** Next offset to commit per topic-partition. */
  offsets: Map<string, { topic: string; partition: number; offset: string }>;
  startedAt: number;
}

export function createBatchConsumer<B>(options: BatchConsumerOptions<B>): BatchConsumer {
  return new KafkaBatchConsumer(options);
}

class KafkaBatchConsumer<B> implements BatchConsumer {
  private readonly limits: BatchLimits;
  private readonly retry: RetryPolicy;
  private readonly log: Logger;
  private readonly admin: Admin | null;
  private consumer: Consumer | null = null;
  private subscribed: string[] = [];
  private assigned: Map<string, Set<number>> | null = null;
  private pending: Pending<B>;
  /** Batches taken for writing, oldest first; the head is being written (or failed and is retried). */
  private readonly queue: Pending<B>[] = [];
  /** The chain of flushes; resolves when every batch taken so far was handled. */
  private lock: Promise<unknown> = Promise.resolve();
  private inBatch: Promise<void> = Promise.resolve();
  private failing = false;
  private backoffMs = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private discoveryTimer: NodeJS.Timeout | null = null;
  private restartTimer: NodeJS.Timeout | null = null;
  private restartAttempts = 0;
  private lifecycle: Promise<void> = Promise.resolve();
  private draining = false;
  private stopped = false;
  private started = false;

  constructor(private readonly options: BatchConsumerOptions<B>) {
    this.limits = { ...DEFAULT_BATCH_LIMITS, ...options.limits };
    this.retry = { initialMs: 500, maxMs: 30_000, ...options.retry };
    this.log = options.logger.child({ component: 'batch-consumer', groupId: options.groupId });
    this.admin = options.topics instanceof RegExp ? options.kafka.admin() : null;
    this.pending = this.newPending();
  }

  async start(): Promise<void> {
    if (this.admin) await this.admin.connect();
    this.subscribed = await this.resolveTopics();
    if (this.subscribed.length > 0) await this.runConsumer();
    else this.log.warn({ pattern: String(this.options.topics) }, 'no matching topic yet; waiting for one');
    this.started = true;
    const tick = Math.max(20, Math.min(250, Math.floor(this.limits.maxWaitMs / 4)));
    this.flushTimer = setInterval(() => {
      if (this.queue.length === 0 && this.due()) void this.flush();
    }, tick);
    if (this.admin) {
      this.discoveryTimer = setInterval(() => void this.discover(), this.options.topicRefreshMs ?? 10_000);
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const t of [this.flushTimer, this.discoveryTimer]) if (t) clearInterval(t);
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.lifecycle;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.drain();
    const flushed = await this.flush();
    if (!flushed) this.log.warn('final flush failed; uncommitted records will be delivered again');
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.consumer?.disconnect();
    this.consumer = null;
    await this.admin?.disconnect();
  }

  status(): BatchConsumerStatus {
    return {
      running: this.started && !this.stopped,
      sinkHealthy: !this.failing,
      subscribedTopics: [...this.subscribed],
      pendingRecords: [this.pending, ...this.queue].reduce((n, p) => n + p.records + p.deadLetters.length, 0),
    };
  }

  // --- consuming ---------------------------------------------------------------------------

  private async runConsumer(): Promise<void> {
    const consumer: Consumer = this.options.kafka.consumer({
      groupId: this.options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      ...this.options.consumerConfig,
      retry: {
        ...this.options.consumerConfig?.retry,
        // kafkajs would restart a crashed consumer itself, on the same object, after a delay; a restart
        // already under way survives a disconnect() we make meanwhile (to resubscribe), and that retired
        // consumer then rejoins the group with the old topic list and, as group leader, leaves the new
        // topics unassigned (seen when a topic appeared while the broker restarted). So a crashed
        // consumer is never restarted: restartCrashed() replaces it with a new one, if still current.
        restartOnFailure: async () => false,
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (this.consumer !== consumer) {
        this.log.warn('a retired consumer rejoined the group; disconnecting it');
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      this.assigned = new Map(Object.entries(payload.memberAssignment).map(([t, ps]) => [t, new Set(ps)]));
      this.log.info({ assignment: payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const current = this.consumer === consumer;
      this.log.error({ err: payload.error, current }, 'kafkajs consumer crashed');
      if (current) this.scheduleRestart();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({
        topics: this.subscribed,
        fromBeginning: this.options.fromBeginning ?? true,
      });
    } catch (err) {
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
    this.consumer = consumer;
    this.assigned = null;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => {
        const run = this.eachBatch(payload);
        this.inBatch = run.catch(() => undefined);
        return run;
      },
    });
    this.log.info({ topics: this.subscribed }, 'consuming');
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    this.options.observer?.onFetch?.({
      topic: batch.topic,
      partition: batch.partition,
      messages: batch.messages.length,
      lag: Number(batch.offsetLag()),
    });
    for (const message of batch.messages) {
      // Unresolved records are fetched again by whoever owns the partition next.
      if (!isRunning() || isStale() || this.draining) break;
      this.accept({
        topic: batch.topic,
        partition: batch.partition,
        offset: message.offset,
        key: message.key ?? null,
        value: message.value ?? null,
        headers: message.headers ?? {},
        timestamp: message.timestamp,
      });
      resolveOffset(message.offset);
      if (this.due()) {
        // One flush in flight while the next batch fills (insert and decode overlap); a second
        // full batch waits for it, which bounds memory to two batches.
        if (this.queue.length > 0) await this.lock;
        if (this.due()) void this.flush();
        await heartbeat();
      }
    }
  }

  private accept(record: ConsumedRecord): void {
    const p = this.pending;
    if (p.records === 0 && p.deadLetters.length === 0 && p.offsets.size === 0) p.startedAt = Date.now();
    try {
      this.options.sink.add(p.batch, record);
      p.records++;
      if (this.options.sink.rejectsRecords) p.accepted.push(record);
    } catch (err) {
      p.deadLetters.push(this.deadLetter(record, err));
    }
    p.offsets.set(`${record.topic}\u0000${record.partition}`, {
      topic: record.topic,
      partition: record.partition,
      offset: (BigInt(record.offset) + 1n).toString(),
    });
  }

  private deadLetter(record: ConsumedRecord, err: unknown): DeadLetter {
    const failure = recordFailure(err);
    this.options.observer?.onDeadLetter?.({
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      code: failure.code,
    });
    this.log.warn(
      {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        code: failure.code,
        path: failure.path,
        serverCode: failure.serverCode,
      },
      'record dead-lettered',
    );
    return { record, failure };
  }

  private due(): boolean {
    if (this.failing) return false;
    const p = this.pending;
    if (p.offsets.size === 0) return false;
    const { rows, bytes } = this.options.sink.size(p.batch);
    return (
      rows >= this.limits.maxRows ||
      bytes >= this.limits.maxBytes ||
      p.deadLetters.length >= this.limits.maxRows ||
      Date.now() - p.startedAt >= this.limits.maxWaitMs
    );
  }

  // --- flushing ----------------------------------------------------------------------------

  /**
   * Takes the pending batch (synchronously, so records accepted from now on go to the next one) and
   * writes every queued batch in order, each committed after its write. Resolves to success.
   */
  private flush(): Promise<boolean> {
    if (this.pending.offsets.size > 0) {
      this.queue.push(this.pending);
      this.pending = this.newPending();
    }
    const run = this.lock.then(() => this.flushQueue());
    this.lock = run.catch(() => undefined);
    return run;
  }

  private async flushQueue(): Promise<boolean> {
    while (this.queue.length > 0) {
      if (!(await this.write(this.queue[0]!))) return false; // stays at the head; retried later
      this.queue.shift();
    }
    if (this.failing) this.recovered();
    return true;
  }

  private async write(p: Pending<B>): Promise<boolean> {
    const started = performance.now();
    const { rows, bytes } = this.options.sink.size(p.batch);
    const observe = (ok: boolean, error?: unknown) =>
      this.options.observer?.onFlush?.({
        records: p.records,
        rows,
        bytes,
        deadLetters: p.deadLetters.length,
        seconds: (performance.now() - started) / 1000,
        ok,
        error,
      });
    try {
      if (!p.deadLettersSent && p.deadLetters.length > 0) {
        await this.options.deadLetter.send(p.deadLetters);
        p.deadLettersSent = true;
      }
      if (p.records > 0) await this.writeRecords(p);
    } catch (err) {
      observe(false, err);
      this.failed(err);
      return false;
    }
    observe(true);
    await this.commit(p);
    return true;
  }

  private async writeRecords(p: Pending<B>): Promise<void> {
    const { sink } = this.options;
    if (p.isolation === null) {
      try {
        await sink.write(p.batch);
        return;
      } catch (err) {
        if (!sink.rejectsRecords?.(err)) throw err;
        this.log.warn({ err, records: p.records }, 'the sink refused records of the batch; isolating them');
        p.isolation = { settled: new Set(), refused: [] };
        await this.isolate(p, p.accepted, err);
      }
    } else {
      // A retry after a failure while isolating: only the records neither written nor refused yet.
      const settled = p.isolation.settled;
      await this.isolate(
        p,
        p.accepted.filter((r) => !settled.has(r)),
        null,
      );
    }
    await this.options.deadLetter.send(p.isolation.refused);
  }

  /**
   * Writes `records` as one batch or, when the sink refuses them (`refusal`: already known to), each
   * half in turn, down to single records, which are set aside as refused.
   */
  private async isolate(p: Pending<B>, records: ConsumedRecord[], refusal: unknown): Promise<void> {
    const isolation = p.isolation!;
    const { sink } = this.options;
    let error = refusal;
    if (error === null) {
      const batch = sink.createBatch();
      const added: ConsumedRecord[] = [];
      for (const record of records) {
        try {
          sink.add(batch, record);
          added.push(record);
        } catch (err) {
          isolation.refused.push(this.deadLetter(record, err));
          isolation.settled.add(record);
        }
      }
      if (added.length === 0) return;
      try {
        await sink.write(batch);
        for (const record of added) isolation.settled.add(record);
        return;
      } catch (err) {
        if (!sink.rejectsRecords?.(err)) throw err;
        error = err;
      }
      records = added;
    }
    if (records.length === 1) {
      isolation.refused.push(this.deadLetter(records[0]!, error));
      isolation.settled.add(records[0]!);
      return;
    }
    const middle = Math.ceil(records.length / 2);
    await this.isolate(p, records.slice(0, middle), null);
    await this.isolate(p, records.slice(middle), null);
  }

  private async commit(p: Pending<B>): Promise<void> {
    const consumer = this.consumer;
    if (!consumer) return;
    // Only partitions we still own: a moved partition is committed by its new owner.
    const offsets = [...p.offsets.values()].filter(
      (o) => this.assigned === null || this.assigned.get(o.topic)?.has(o.partition) === true,
    );
    if (offsets.length === 0) return;
    try {
      await consumer.commitOffsets(offsets);
    } catch (err) {
      // The rows are in the sink; the records will be delivered again and collapse there.
      this.log.warn({ err, offsets }, 'offset commit failed after a successful flush');
    }
  }

  private failed(err: unknown): void {
    const e = err as { code?: unknown; retriable?: unknown; serverCode?: unknown };
    if (!this.failing) {
      this.failing = true;
      this.backoffMs = this.retry.initialMs;
      this.setPaused(true);
    } else {
      this.backoffMs = Math.min(this.backoffMs * 2, this.retry.maxMs);
    }
    const delay = Math.round(this.backoffMs * (0.8 + Math.random() * 0.4));
    this.log.error(
      { err, code: e.code, retriable: e.retriable, serverCode: e.serverCode, retryInMs: delay },
      'flush failed; partitions paused, retrying',
    );
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.stopped) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.flush();
    }, delay);
  }

  private recovered(): void {
    this.failing = false;
    this.setPaused(false);
    this.log.info('flush succeeded again; partitions resumed');
  }

  private setPaused(paused: boolean): void {
    const consumer = this.consumer;
    if (!consumer || this.subscribed.length === 0) return;
    const topics = this.subscribed.map((topic) => ({ topic }));
    try {
      if (paused) consumer.pause(topics);
      else if (!this.draining) consumer.resume(topics);
    } catch (err) {
      this.log.warn({ err }, 'pause/resume failed');
    }
  }

  // --- draining, discovery -----------------------------------------------------------------

  /** Stops fetching and waits for the kafkajs batch in progress. */
  private async drain(): Promise<void> {
    this.draining = true;
    this.setPaused(true);
    await this.inBatch;
  }

  private async resolveTopics(): Promise<string[]> {
    const topics = this.options.topics;
    if (!(topics instanceof RegExp)) return [...topics];
    const all = await this.admin!.listTopics();
    return all.filter((t) => topics.test(t)).sort();
  }

  /** A new consumer in place of a crashed one, after a backoff; again and again while Kafka is away. */
  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    this.restartAttempts += 1;
    const delay = Math.min(this.retry.initialMs * 2 ** (this.restartAttempts - 1), this.retry.maxMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      void this.serially(() => this.restartCrashed());
    }, delay);
  }

  private async restartCrashed(): Promise<void> {
    if (this.stopped) return;
    const crashed = this.consumer;
    this.consumer = null;
    await crashed?.disconnect().catch(() => undefined);
    try {
      await this.runConsumer();
      if (this.failing) this.setPaused(true); // the sink is still being retried: no fetching meanwhile
      this.restartAttempts = 0;
      this.log.info('consumer restarted after a crash');
    } catch (err) {
      this.log.warn({ err }, 'restarting the consumer failed; retrying');
      this.scheduleRestart();
    }
  }

  /** Consumer replacements (restart after a crash, resubscription) one at a time. */
  private serially(step: () => Promise<void>): Promise<void> {
    const run = this.lifecycle.then(step, step);
    this.lifecycle = run.catch(() => undefined);
    return run;
  }

  private discover(): Promise<void> {
    return this.serially(() => this.resubscribeIfNewTopics());
  }

  private async resubscribeIfNewTopics(): Promise<void> {
    if (this.stopped || this.draining || this.failing || this.restartTimer) return;
    let topics: string[];
    try {
      topics = await this.resolveTopics();
    } catch (err) {
      this.log.warn({ err }, 'listing topics failed');
      return;
    }
    const added = topics.filter((t) => !this.subscribed.includes(t));
    if (added.length === 0 || this.stopped || this.draining) return;
    this.log.info({ added }, 'new matching topics; resubscribing');
    await this.drain();
    try {
      if (!(await this.flush())) return; // the retry loop owns the batch; try again next tick
      await this.consumer?.disconnect();
      this.consumer = null;
      this.subscribed = topics;
      this.draining = false;
      if (!this.stopped) await this.runConsumer();
    } catch (err) {
      this.log.error({ err }, 'resubscribing failed; retrying at the next topic check');
    } finally {
      if (this.draining && !this.stopped) {
        this.draining = false;
        if (!this.failing) this.setPaused(false);
      }
    }
  }

  private newPending(): Pending<B> {
    return {
      batch: this.options.sink.createBatch(),
      records: 0,
      accepted: [],
      isolation: null,
      deadLetters: [],
      deadLettersSent: false,
      offsets: new Map(),
      startedAt: Date.now(),
    };
  }
}
