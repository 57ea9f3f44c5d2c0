// Accumulate, exactly-once mode: one open batch per topic-partition, so every batch is the records
// [start, end) of one partition and any member that owns the partition later can rebuild it record for
// record. A partition's first batch after a (re)join ends exactly at the end its previous owner
// recorded before writing (batch-boundary.ts); other batches close by the usual limits. A batch built
// before the group's generation changed, or whose partition was read again from an earlier offset
// (kafkajs restarts every assigned partition at its committed offset after a join), is dropped: its
// records are delivered again and land in a fresh batch.
import type { AccumulateStep, BatchLimits } from './accumulate-step';
import { placeRecord } from './batch-boundary';
import type { RefuseRecord } from './refusals';
import type { BatchSink } from './sink';
import type { Batch, Step, TransformedRecord } from './step';

export interface PartitionBoundaries {
  /** The group generation now (changes at every join and crash). */
  generation(): number;
  /**
   * The end recorded for this partition's first batch in the current generation, or null; answered
   * once per partition and generation (later batches close by the limits).
   */
  plannedEnd(topic: string, partition: number): string | null;
}

interface Lane<C> {
  batch: Batch<C>;
  generation: number;
  /** The recorded end the open batch must reach exactly; null: close by the limits. */
  end: string | null;
  last: bigint | null;
}

export function partitionAccumulateStep<C, V>(options: {
  sink: Pick<BatchSink<C, V>, 'createBatch' | 'add' | 'size'>;
  limits: BatchLimits;
  refuse: RefuseRecord;
  boundaries: PartitionBoundaries;
  next: Step<Batch<C>>;
  now?: () => number;
}): AccumulateStep<V> {
  const { sink, limits, refuse, boundaries, next, now = Date.now } = options;
  const lanes = new Map<string, Lane<C>>();
  let waiting: Promise<void> | null = null;

  function newBatch(topic: string, partition: number, start: string, generation: number): Batch<C> {
    return {
      contents: sink.createBatch(),
      records: [],
      deadLetters: [],
      offsets: new Map(),
      openedAt: now(),
      generation,
      range: { topic, partition, start, end: start },
    };
  }

  function empty(lane: Lane<C>): boolean {
    return lane.batch.records.length === 0 && lane.batch.deadLetters.length === 0;
  }

  function dueByLimits(lane: Lane<C>): boolean {
    if (empty(lane) || lane.end !== null) return false;
    const { rows, bytes } = sink.size(lane.batch.contents);
    return (
      rows >= limits.maxRows ||
      bytes >= limits.maxBytes ||
      lane.batch.deadLetters.length >= limits.maxRows ||
      now() - lane.batch.openedAt >= limits.maxWaitMs
    );
  }

  /** Hands the lane's batch on; the lane is left without one (the next record opens it). */
  function close(key: string, lane: Lane<C>): Promise<void> | undefined {
    lanes.delete(key);
    const wait = next.submit(lane.batch);
    if (!wait) return undefined;
    const current = wait.finally(() => {
      if (waiting === current) waiting = null;
    });
    waiting = current;
    return current;
  }

  function laneFor(key: string, topic: string, partition: number, offset: string): Lane<C> {
    const generation = boundaries.generation();
    const lane = lanes.get(key);
    const rewound = lane?.last !== null && lane?.last !== undefined && BigInt(offset) <= lane.last;
    if (lane && lane.generation === generation && !rewound) return lane;
    // A new generation (or a re-read): what the old batch held is delivered again; start from here.
    const fresh: Lane<C> = {
      batch: newBatch(topic, partition, offset, generation),
      generation,
      end: lane && lane.generation === generation ? null : boundaries.plannedEnd(topic, partition),
      last: null,
    };
    lanes.set(key, fresh);
    return fresh;
  }

  function add(lane: Lane<C>, item: TransformedRecord<V>): void {
    const { record } = item;
    const batch = lane.batch;
    if (empty(lane)) batch.openedAt = now();
    if (item.ok) {
      try {
        sink.add(batch.contents, item.value);
        batch.records.push(record);
      } catch (err) {
        batch.deadLetters.push(refuse(record, err));
      }
    } else {
      batch.deadLetters.push(refuse(record, item.error));
    }
    const next = (BigInt(record.offset) + 1n).toString();
    batch.offsets.set(`${record.topic}\u0000${record.partition}`, {
      topic: record.topic,
      partition: record.partition,
      offset: next,
    });
    batch.range!.end = next;
    lane.last = BigInt(record.offset);
  }

  return {
    submit(item) {
      const { topic, partition, offset } = item.record;
      const key = `${topic}\u0000${partition}`;
      let lane = laneFor(key, topic, partition, offset);
      const placement = placeRecord(offset, lane.end);
      if (placement === 'close-then-add') {
        // The recorded end was skipped over (no record at end - 1): close what reached it.
        if (!empty(lane)) void close(key, lane);
        lane = laneFor(key, topic, partition, offset);
        lane.end = null;
      }
      add(lane, item);
      if (placement === 'add-then-close') return close(key, lane);
      if (!dueByLimits(lane)) return undefined;
      if (!waiting) return close(key, lane);
      // Full while a write is in flight: wait for it, then hand this one on (two batches at most
      // per partition in memory).
      return waiting.then(() => {
        if (lanes.get(key) === lane && dueByLimits(lane)) void close(key, lane);
      });
    },
    poll() {
      const generation = boundaries.generation();
      for (const [key, lane] of lanes) {
        // A lane of an earlier generation holds records that are delivered again: let it go.
        if (lane.generation !== generation) lanes.delete(key);
        else if (!waiting && dueByLimits(lane)) void close(key, lane);
      }
    },
    async join() {
      for (const [key, lane] of [...lanes]) {
        if (empty(lane)) continue;
        // A batch still short of its recorded end is not written: only the whole range is the same
        // block again. Its records are not committed; whoever reads the partition next rebuilds it.
        if (lane.end !== null) lanes.delete(key);
        else void close(key, lane);
      }
      return next.join();
    },
    held: () => {
      let n = 0;
      for (const lane of lanes.values()) n += lane.batch.records.length + lane.batch.deadLetters.length;
      return n;
    },
  };
}
