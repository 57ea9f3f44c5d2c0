// What a consumer chain writes to (a loader's ClickHouse tables, a test's array): how records are
// gathered into its contents, how much they hold, how they are written, and which failures blame
// some records rather than the store.
import type { ConsumedRecord } from '../dead-letter';

export interface BatchSink<C, V = ConsumedRecord> {
  /** New, empty contents. */
  createBatch(): C;
  /** Adds one record's value. Throw to dead-letter the record; nothing may be added when it throws. */
  add(contents: C, value: V): void;
  /** Rows and (encoded) bytes held, cheap: called after every record. */
  size(contents: C): { rows: number; bytes: number };
  /**
   * Writes all of it. Throw to have it retried later; it may be called again with the same contents.
   * `key` (exactly-once mode) names the records written, the same for the same records after a crash
   * (e.g. ClickHouse's insert_deduplication_token); parts of a refused batch are written without one.
   */
  write(contents: C, key?: string): Promise<void>;
  /**
   * True when an error thrown by write() says the content of some records was refused (the same
   * records fail again; fewer without them succeed), so the batch is bisected to set them aside.
   * Without it every write failure is retried.
   */
  rejectsRecords?(err: unknown): boolean;
  /**
   * Records [from, to) of `contents` (in the order they were added) as contents of their own, made
   * from what was already added: bisection then neither decodes nor flattens again. Without it a
   * part is rebuilt from its records.
   */
  part?(contents: C, from: number, to: number): C;
}
