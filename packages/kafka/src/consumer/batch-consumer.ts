// A consumer group that writes batches to a sink and commits after the sink (at least once),
// built as a chain of steps, each in its own module with one job:
//
//   consume     consumer-group.ts    kafkajs group member: fetch, pause, crash replacement, resubscribe
//   transform   transform-step.ts    record -> the sink's value (a loader: decode -> flatten); errors kept
//   accumulate  accumulate-step.ts   values into a batch until rows / bytes / wait; failures -> dead letters
//   write       write-step.ts        dead letters, then the sink; backoff while it fails; refused
//                                    records isolated by bisection (isolate-refused.ts)
//   commit      commit-step.ts       the batch's offsets, only after its write
//
// and beside the chain, topic discovery (topic-discovery.ts) for a pattern subscription.
// `exactlyOnce`: accumulate one batch per topic-partition (partition-accumulate-step.ts) and record
// each batch's end in the commit metadata before writing it (batch-boundary.ts), so a batch written
// again after a crash is the same records, for a sink that drops a repeated write (ClickHouse's
// replicated block deduplication).
// Rebalances may deliver a record twice (a partition moves before our commit): sinks must be
// idempotent for redelivered records (the ClickHouse tables collapse rows by event_id + seq).
import type { RetryPolicy } from '@opa-fleet/runtime';
import type { ConsumerConfig, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import type { ConsumedRecord, DeadLetterSink } from '../dead-letter';
import { accumulateStep, type BatchLimits, DEFAULT_BATCH_LIMITS } from './accumulate-step';
import { commitStep } from './commit-step';
import { ConsumerGroup, type FetchObservation } from './consumer-group';
import { partitionAccumulateStep } from './partition-accumulate-step';
import { refuseRecordWith } from './refusals';
import type { BatchSink } from './sink';
import type { Batch, Step } from './step';
import { type TopicDiscovery, topicDiscovery } from './topic-discovery';
import { transformStep } from './transform-step';
import { type FlushObservation, writeStep } from './write-step';

export interface BatchConsumerObserver {
  /** After each fetch: messages fetched and the partition's remaining lag. */
  onFetch?(e: FetchObservation): void;
  onFlush?(e: FlushObservation): void;
  onDeadLetter?(e: { topic: string; partition: number; offset: string; code: string }): void;
}

export interface BatchConsumerOptions<C, V = ConsumedRecord> {
  kafka: Pick<Kafka, 'consumer' | 'admin'>;
  groupId: string;
  /** Fixed topics, or a pattern checked for new matching topics every `topicRefreshMs`. */
  topics: readonly string[] | RegExp;
  /** Record -> the sink's value (decode -> flatten); throw to dead-letter. Default: the record itself. */
  transform?: (record: ConsumedRecord) => V;
  sink: BatchSink<C, V>;
  deadLetter: DeadLetterSink;
  logger: Logger;
  limits?: Partial<BatchLimits>;
  /** Backoff of failing writes and of crashed-consumer replacement. */
  retry?: Partial<RetryPolicy>;
  /** Pattern re-check interval; default 10 s (new topics are consumed well within 30 s). */
  topicRefreshMs?: number;
  /** For partitions without a committed offset. Default true: nothing written before the first start is skipped. */
  fromBeginning?: boolean;
  observer?: BatchConsumerObserver;
  consumerConfig?: Partial<ConsumerConfig>;
  /** Batches that survive a crash record for record (see above). Default false. */
  exactlyOnce?: boolean;
  /** Test hook: called after a batch is written, before its offsets are committed. */
  afterWrite?: (batch: Batch<C>) => void;
}

export interface BatchConsumerStatus {
  /** A kafkajs consumer is running (or waiting for its first matching topic). */
  running: boolean;
  /** False while a write is failing and being retried. */
  sinkHealthy: boolean;
  subscribedTopics: string[];
  /** Records consumed and not yet committed. */
  pendingRecords: number;
}

export interface BatchConsumer {
  start(): Promise<void>;
  /** Drains: stops fetching, writes and commits what it can, leaves the group. */
  stop(): Promise<void>;
  status(): BatchConsumerStatus;
}

export function createBatchConsumer<C, V = ConsumedRecord>(o: BatchConsumerOptions<C, V>): BatchConsumer {
  const log = o.logger.child({ component: 'batch-consumer', groupId: o.groupId });
  const limits = { ...DEFAULT_BATCH_LIMITS, ...o.limits };
  const retry = { initialMs: 500, maxMs: 30_000, ...o.retry };
  const transform = o.transform ?? ((record: ConsumedRecord) => record as V);
  const refuse = refuseRecordWith({ log, onDeadLetter: o.observer?.onDeadLetter });
  const { kafka, groupId, sink } = o;

  const exactlyOnce = o.exactlyOnce ?? false;
  const group = new ConsumerGroup({
    kafka,
    exactlyOnce,
    groupId,
    log,
    retry,
    fromBeginning: o.fromBeginning ?? true,
    consumerConfig: o.consumerConfig,
    onFetch: o.observer?.onFetch,
  });
  const commitOffsets = exactlyOnce
    ? commitStep(group, log, (batch) => batch.generation === group.generation())
    : commitStep(group, log);
  const afterWrite = o.afterWrite;
  const commit: Step<Batch<C>> = afterWrite
    ? {
        submit: (batch) => (afterWrite(batch), commitOffsets.submit(batch)),
        join: () => commitOffsets.join(),
      }
    : commitOffsets;
  const write = writeStep({
    sink,
    part: partOf(sink, transform),
    deadLetter: o.deadLetter,
    retry,
    refuse,
    log,
    onFailing: (failing) => group.holdForSink(failing),
    onFlush: o.observer?.onFlush,
    admit: exactlyOnce ? (batch) => group.recordBoundary(batch) : undefined,
    next: commit,
  });
  const accumulate = exactlyOnce
    ? partitionAccumulateStep({ sink, limits, refuse, boundaries: group, next: write })
    : accumulateStep({ sink, limits, refuse, next: write });
  const first = transformStep(transform, accumulate);

  const discovery: TopicDiscovery | null =
    o.topics instanceof RegExp
      ? topicDiscovery({
          admin: kafka.admin(),
          pattern: o.topics,
          refreshMs: o.topicRefreshMs ?? 10_000,
          log,
          subscribed: () => group.subscribedTopics,
          onNewTopics: async (topics) => {
            if (write.healthy()) await group.resubscribe(topics, () => accumulate.join());
          },
        })
      : null;
  let flushTimer: NodeJS.Timeout | null = null;
  let started = false;
  let stopped = false;

  return {
    async start() {
      const topics = discovery ? await discovery.start() : [...(o.topics as readonly string[])];
      await group.start(topics, first);
      started = true;
      const tick = Math.max(20, Math.min(250, Math.floor(limits.maxWaitMs / 4)));
      flushTimer = setInterval(() => accumulate.poll(), tick);
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (flushTimer) clearInterval(flushTimer);
      await group.stop();
      write.close();
      if (!(await accumulate.join()))
        log.warn('final flush failed; uncommitted records will be delivered again');
      await group.disconnect();
      await discovery?.stop();
    },
    status: () => ({
      running: started && !stopped,
      sinkHealthy: write.healthy(),
      subscribedTopics: group.subscribedTopics,
      pendingRecords: accumulate.held() + write.held(),
    }),
  };
}

/** The sink's own parts from rows already made, or else a part rebuilt from its records. */
function partOf<C, V>(sink: BatchSink<C, V>, transform: (record: ConsumedRecord) => V) {
  if (sink.part) return (contents: C, from: number, to: number) => sink.part!(contents, from, to);
  return (_contents: C, _from: number, _to: number, records: readonly ConsumedRecord[]) => {
    const contents = sink.createBatch();
    for (const record of records) sink.add(contents, transform(record));
    return contents;
  };
}
