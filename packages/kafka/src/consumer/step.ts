// What every step of a consumer chain looks like to the step before it (Arroyo's processing
// strategies, reduced to what the loaders need), and what flows between the steps.
import type { ConsumedRecord, DeadLetter } from '../dead-letter';

export interface Step<T> {
  /**
   * Takes one item. A returned promise asks the caller to wait for it before submitting more
   * (back-pressure); it never waits out a failure that is being retried.
   */
  submit(item: T): Promise<void> | undefined;
  /**
   * Hands on everything held, now, and resolves once the steps after have finished with it:
   * true when all of it was written and committed, false when a write failed (it is kept and retried).
   */
  join(): Promise<boolean>;
}

/** A record after the transform step: its value for the sink, or why it has none. */
export type TransformedRecord<V> =
  | { record: ConsumedRecord; ok: true; value: V }
  | { record: ConsumedRecord; ok: false; error: unknown };

/** Where a record's offset is committed: the next offset to read per topic-partition. */
export interface NextOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * Records accumulated for one write: the sink's contents (rows per table for a loader), the records
 * in them (in order: record i is part i of the contents), the records that could not be added, and
 * the offsets to commit once all of it is written.
 */
export interface Batch<C> {
  contents: C;
  records: ConsumedRecord[];
  deadLetters: DeadLetter[];
  offsets: Map<string, NextOffset>;
  openedAt: number;
  /** Exactly-once mode: the group generation the batch was built in (a batch of an older one is dropped). */
  generation?: number;
  /** Exactly-once mode: the one topic-partition's records [start, end) the batch holds. */
  range?: { topic: string; partition: number; start: string; end: string };
}
