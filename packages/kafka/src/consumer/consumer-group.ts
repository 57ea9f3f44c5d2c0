// Consume: this member of the consumer group, on one kafkajs consumer at a time. Hands every
// fetched record to the first step (waiting when it asks to), commits offsets for the commit step,
// pauses fetching while the sink fails, and replaces its kafkajs consumer: after a crash (a fresh
// one after a backoff, again while Kafka stays away) and to subscribe to a new topic list. kafkajs
// runs with autoCommit and eachBatchAutoResolve off; resolveOffset() only moves its fetch position,
// so records accumulate across fetches without being fetched again. Replacements run one at a time,
// so no retired consumer rejoins the group.
import { Backoff, type RetryPolicy } from '@opa-fleet/runtime';
import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConsumedRecord } from '../dead-letter';
import { plannedBoundary, plannedEnd } from './batch-boundary';
import type { OffsetCommitter } from './commit-step';
import type { PartitionBoundaries } from './partition-accumulate-step';
import type { Batch, NextOffset, Step } from './step';

export interface FetchObservation {
  topic: string;
  partition: number;
  messages: number;
  lag: number;
}

export interface ConsumerGroupOptions {
  /** `admin` is needed in exactly-once mode (the committed offsets' metadata, read at each join). */
  kafka: Pick<Kafka, 'consumer'> & Partial<Pick<Kafka, 'admin'>>;
  /** Read the batch boundaries recorded in the commit metadata at each join (exactly-once mode). */
  exactlyOnce?: boolean;
  groupId: string;
  log: Logger;
  /** Backoff between replacements of a crashed consumer. */
  retry: RetryPolicy;
  /** For partitions without a committed offset. */
  fromBeginning: boolean;
  consumerConfig?: Partial<ConsumerConfig>;
  onFetch?: (e: FetchObservation) => void;
}

export class ConsumerGroup implements OffsetCommitter, PartitionBoundaries {
  private consumer: Consumer | null = null;
  private topics: string[] = [];
  private first: Step<ConsumedRecord> | null = null;
  private assigned: Map<string, Set<number>> | null = null;
  private fetching: Promise<void> = Promise.resolve();
  /** Paused for the sink (a failing write) or by a drain; a new consumer starts paused then too. */
  private heldForSink = false;
  private draining = false;
  private stopped = false;
  private replacements: Promise<void> = Promise.resolve();
  private replaceTimer: NodeJS.Timeout | null = null;
  private readonly replaceBackoff: Backoff;
  /** Changes at every join and crash: batches built before belong to an earlier generation. */
  private generationCount = 0;
  /** Exactly-once mode: the recorded ends of the current generation, loading or loaded. */
  private plansLoading: Promise<void> = Promise.resolve();
  private plans = new Map<string, string>();
  private admin: Admin | null = null;

  constructor(private readonly options: ConsumerGroupOptions) {
    this.replaceBackoff = new Backoff(options.retry);
  }

  get subscribedTopics(): string[] {
    return [...this.topics];
  }

  /** Subscribes to `topics` and hands their records to `first`. */
  async start(topics: string[], first: Step<ConsumedRecord>): Promise<void> {
    this.first = first;
    this.topics = topics;
    if (topics.length > 0) await this.runConsumer();
  }

  /** Stops fetching and waits for the fetch in progress to be handed on. */
  async drain(): Promise<void> {
    this.draining = true;
    this.setPaused(true);
    await this.fetching;
  }

  /** Pauses fetching while the sink fails (true) and resumes after (false). */
  holdForSink(hold: boolean): void {
    this.heldForSink = hold;
    this.setPaused(hold);
  }

  /** A replacement (crash, resubscription) is pending or running. */
  private replacing(): boolean {
    return this.replaceTimer !== null || this.draining;
  }

  /**
   * Subscribes to a new topic list: drains, lets `handOver` write and commit what was consumed, then
   * replaces the kafkajs consumer. When handOver fails (false), keeps the old list and resumes.
   */
  resubscribe(topics: string[], handOver: () => Promise<boolean>): Promise<void> {
    return this.serially(async () => {
      if (this.stopped || this.replacing()) return;
      await this.drain();
      try {
        if (!(await handOver())) return; // the write step retries; try again at the next topic check
        await this.consumer?.disconnect();
        this.consumer = null;
        this.topics = topics;
        this.draining = false;
        if (!this.stopped) await this.runConsumer();
      } catch (err) {
        this.options.log.error({ err }, 'resubscribing failed; retrying');
        // Switched but the new consumer did not start: the crash path starts one, with backoff.
        if (this.consumer === null) this.scheduleReplacement();
      } finally {
        if (this.draining && !this.stopped) {
          this.draining = false;
          if (!this.heldForSink) this.setPaused(false);
        }
      }
    });
  }

  generation(): number {
    return this.generationCount;
  }

  plannedEnd(topic: string, partition: number): string | null {
    const key = `${topic}\u0000${partition}`;
    const end = this.plans.get(key) ?? null;
    this.plans.delete(key);
    return end;
  }

  /**
   * Exactly-once mode, before a batch is written: records its end with its start offset (committed
   * again), so whoever reads the partition after a crash rebuilds the same batch. False when the batch
   * belongs to an earlier generation or a partition this member no longer owns: it must not be written.
   */
  async recordBoundary(batch: Batch<unknown>): Promise<boolean> {
    const range = batch.range;
    if (!range || batch.generation !== this.generationCount || !this.consumer) return false;
    if (!this.owns(range.topic, range.partition)) return false;
    const { topic, partition, start, end } = range;
    await this.consumer.commitOffsets([{ topic, partition, offset: start, metadata: plannedBoundary(end) }]);
    // kafkajs skips a commit silently once its consumer stopped (a crash): the generation moved then.
    return batch.generation === this.generationCount;
  }

  owns(topic: string, partition: number): boolean {
    return this.assigned === null || this.assigned.get(topic)?.has(partition) === true;
  }

  async commitOffsets(offsets: NextOffset[]): Promise<void> {
    await this.consumer?.commitOffsets(offsets);
  }

  /** Waits for a replacement under way, stops fetching; disconnect() afterwards leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.replaceTimer) clearTimeout(this.replaceTimer);
    this.replaceTimer = null;
    await this.replacements;
    await this.drain();
  }

  async disconnect(): Promise<void> {
    await this.consumer?.disconnect();
    this.consumer = null;
    await this.admin?.disconnect().catch(() => undefined);
    this.admin = null;
  }

  /** The recorded batch ends of the partitions just assigned (exactly-once mode), once per join. */
  private loadPlans(assignment: Record<string, number[]>): void {
    const { kafka, groupId, log } = this.options;
    const generation = this.generationCount;
    this.plans = new Map();
    this.plansLoading = (async () => {
      if (!this.admin) {
        const admin = kafka.admin!();
        await admin.connect();
        this.admin = admin;
      }
      const topics = Object.keys(assignment);
      if (topics.length === 0) return;
      const committed = await this.admin.fetchOffsets({ groupId, topics });
      if (generation !== this.generationCount) return;
      for (const { topic, partitions } of committed) {
        const mine = new Set(assignment[topic] ?? []);
        for (const p of partitions) {
          const end = mine.has(p.partition) ? plannedEnd(p.metadata, p.offset) : null;
          if (end !== null) this.plans.set(`${topic}\u0000${p.partition}`, end);
        }
      }
      if (this.plans.size > 0)
        log.info({ boundaries: Object.fromEntries(this.plans) }, 'rebuilding batches at their recorded ends');
    })();
    // A failure shows in the first fetch, which waits for it (and crashes the consumer: replaced).
    this.plansLoading.catch((err) => log.warn({ err }, 'reading the recorded batch boundaries failed'));
  }

  private async runConsumer(): Promise<void> {
    const { kafka, groupId, log, consumerConfig } = this.options;
    const consumer: Consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 250,
      ...consumerConfig,
      retry: {
        ...consumerConfig?.retry,
        // kafkajs would restart a crashed consumer itself, on the same object, after a delay; a restart
        // already under way survives a disconnect() we make meanwhile (to resubscribe), and that retired
        // consumer then rejoins the group with the old topic list and, as group leader, leaves the new
        // topics unassigned (seen when a topic appeared while the broker restarted). So a crashed
        // consumer is never restarted: replaceCrashed() puts a new one in its place, if still current.
        restartOnFailure: async () => false,
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      if (this.consumer !== consumer) {
        log.warn('a retired consumer rejoined the group; disconnecting it');
        void consumer.disconnect().catch(() => undefined);
        return;
      }
      this.assigned = new Map(Object.entries(payload.memberAssignment).map(([t, ps]) => [t, new Set(ps)]));
      this.generationCount += 1;
      if (this.options.exactlyOnce) this.loadPlans(payload.memberAssignment);
      log.info({ assignment: payload.memberAssignment }, 'joined consumer group');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      const current = this.consumer === consumer;
      log.error({ err: payload.error, current }, 'kafkajs consumer crashed');
      if (current) this.generationCount += 1;
      if (current) this.scheduleReplacement();
    });
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: this.options.fromBeginning });
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
        const run = this.handOn(payload);
        this.fetching = run.catch(() => undefined);
        return run;
      },
    });
    if (this.heldForSink) this.setPaused(true); // the sink is still being retried: no fetching meanwhile
    log.info({ topics: this.topics }, 'consuming');
  }

  private async handOn({ batch: fetch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) {
    this.options.onFetch?.({
      topic: fetch.topic,
      partition: fetch.partition,
      messages: fetch.messages.length,
      lag: Number(fetch.offsetLag()),
    });
    const first = this.first!;
    // The recorded batch ends must be known before the first record of this generation is placed.
    if (this.options.exactlyOnce) await this.plansLoading;
    for (const message of fetch.messages) {
      // Unresolved records are fetched again by whoever owns the partition next.
      if (!isRunning() || isStale() || this.draining) break;
      const wait = first.submit({
        topic: fetch.topic,
        partition: fetch.partition,
        offset: message.offset,
        key: message.key ?? null,
        value: message.value ?? null,
        headers: message.headers ?? {},
        timestamp: message.timestamp,
      });
      resolveOffset(message.offset);
      if (wait) {
        await wait;
        await heartbeat();
      }
    }
  }

  private setPaused(paused: boolean): void {
    const consumer = this.consumer;
    if (!consumer || this.topics.length === 0) return;
    const topics = this.topics.map((topic) => ({ topic }));
    try {
      if (paused) consumer.pause(topics);
      else if (!this.draining) consumer.resume(topics);
    } catch (err) {
      this.options.log.warn({ err }, 'pause/resume failed');
    }
  }

  /** A new consumer in place of a crashed one, after a backoff; again and again while Kafka is away. */
  private scheduleReplacement(): void {
    if (this.stopped || this.replaceTimer) return;
    const delay = this.replaceBackoff.next();
    this.replaceTimer = setTimeout(() => {
      this.replaceTimer = null;
      void this.serially(() => this.replaceCrashed());
    }, delay);
  }

  private async replaceCrashed(): Promise<void> {
    if (this.stopped) return;
    const crashed = this.consumer;
    this.consumer = null;
    await crashed?.disconnect().catch(() => undefined);
    try {
      await this.runConsumer();
      this.replaceBackoff.reset();
      this.options.log.info('consumer replaced after a crash');
    } catch (err) {
      this.options.log.warn({ err }, 'replacing the crashed consumer failed; retrying');
      this.scheduleReplacement();
    }
  }

  /** Consumer replacements (after a crash, resubscription) one at a time. */
  private serially(step: () => Promise<void>): Promise<void> {
    const run = this.replacements.then(step, step);
    this.replacements = run.catch(() => undefined);
    return run;
  }
}
