// Accumulate: transformed records into the open batch until it holds `maxRows` rows or `maxBytes`
// bytes, or its first record is `maxWaitMs` old; then the batch is closed and handed to the write
// step. While a write is in flight the next batch fills; a second full one waits for that write
// (the returned promise), which bounds memory to two batches.
import type { RefuseRecord } from './refusals';
import type { BatchSink } from './sink';
import type { Batch, NextOffset, Step, TransformedRecord } from './step';

export interface BatchLimits {
  /** Close the batch when it holds this many rows (sum over tables). */
  maxRows: number;
  /** Close the batch when it holds this many encoded bytes. */
  maxBytes: number;
  /** Close the batch at the latest this long after its first record arrived. */
  maxWaitMs: number;
}

export const DEFAULT_BATCH_LIMITS: BatchLimits = {
  maxRows: 200_000,
  maxBytes: 32 * 1024 * 1024,
  maxWaitMs: 1000,
};

export interface AccumulateStep<V> extends Step<TransformedRecord<V>> {
  /** Closes the open batch when it is due by time (a timer calls it). */
  poll(): void;
  /** Records (added or refused) in the open batch. */
  held(): number;
}

export function accumulateStep<C, V>(options: {
  sink: Pick<BatchSink<C, V>, 'createBatch' | 'add' | 'size'>;
  limits: BatchLimits;
  refuse: RefuseRecord;
  next: Step<Batch<C>>;
  now?: () => number;
}): AccumulateStep<V> {
  const { sink, limits, refuse, next, now = Date.now } = options;
  let open = newBatch();
  /** Set while the write step asked us to wait before handing it another batch. */
  let waiting: Promise<void> | null = null;

  function newBatch(): Batch<C> {
    return {
      contents: sink.createBatch(),
      records: [],
      deadLetters: [],
      offsets: new Map(),
      openedAt: now(),
    };
  }

  function due(): boolean {
    if (open.offsets.size === 0) return false;
    const { rows, bytes } = sink.size(open.contents);
    return (
      rows >= limits.maxRows ||
      bytes >= limits.maxBytes ||
      open.deadLetters.length >= limits.maxRows ||
      now() - open.openedAt >= limits.maxWaitMs
    );
  }

  function close(): Promise<void> | undefined {
    const batch = open;
    open = newBatch();
    const wait = next.submit(batch);
    if (!wait) return undefined;
    const current = wait.finally(() => {
      if (waiting === current) waiting = null;
    });
    waiting = current;
    return current;
  }

  return {
    submit(item) {
      const { record } = item;
      if (open.offsets.size === 0) open.openedAt = now();
      if (item.ok) {
        try {
          sink.add(open.contents, item.value);
          open.records.push(record);
        } catch (err) {
          open.deadLetters.push(refuse(record, err));
        }
      } else {
        open.deadLetters.push(refuse(record, item.error));
      }
      const offset: NextOffset = {
        topic: record.topic,
        partition: record.partition,
        offset: (BigInt(record.offset) + 1n).toString(),
      };
      open.offsets.set(`${record.topic}\u0000${record.partition}`, offset);
      if (!due()) return undefined;
      if (!waiting) return close();
      // Full while the write before is still in flight: wait for it, then hand this one on.
      return waiting.then(() => {
        if (!waiting && due()) close();
      });
    },
    poll() {
      if (!waiting && due()) void close();
    },
    async join() {
      if (open.offsets.size > 0) close();
      return next.join();
    },
    held: () => open.records.length + open.deadLetters.length,
  };
}
