// Batch boundaries that survive a crash (exactly-once rows), pure.
//
// In exactly-once mode every batch holds the records [start, end) of ONE topic-partition, and before
// it is written the consumer commits `start` again with the batch's end in the commit's metadata
// (`plannedBoundary`). After the write it commits `end` with no metadata. A member that takes the
// partition over after a crash between those two commits (the same process restarted, or another
// member after a rebalance) reads the committed offset and its metadata (`plannedEnd`) and closes its
// first batch on that partition exactly at the recorded end (`placeRecord`), neither earlier (by time
// or size) nor later: the same records, so the same rows, so the same bytes per table, and ClickHouse's
// replicated block deduplication drops the second insert.

const PREFIX = 'opa-batch:v1:end=';

/** Commit metadata that records a batch's end before it is written. */
export function plannedBoundary(end: string): string {
  return `${PREFIX}${end}`;
}

/**
 * The end recorded with a committed offset, when there is one beyond it: the first batch after
 * `committed` must end there. Metadata this consumer did not write, or a boundary at or before the
 * committed offset (the batch was committed after all), is no boundary.
 */
export function plannedEnd(metadata: string | null | undefined, committed: string): string | null {
  if (!metadata?.startsWith(PREFIX)) return null;
  const end = metadata.slice(PREFIX.length);
  if (!/^\d+$/.test(end) || !/^\d+$/.test(committed)) return null;
  return BigInt(end) > BigInt(committed) ? end : null;
}

/**
 * Where a record of offset `offset` goes, given the end recorded for the open batch (or null):
 * - `add`: into the open batch, which closes by the usual limits (no end recorded);
 * - `add-held`: into the open batch, which must not close before the recorded end;
 * - `add-then-close`: it is the last record before the recorded end: add it, then close the batch;
 * - `close-then-add`: it lies at or after the recorded end (offsets skipped, e.g. by retention):
 *   close the open batch first, the record starts the next one.
 */
export type Placement = 'add' | 'add-held' | 'add-then-close' | 'close-then-add';

export function placeRecord(offset: string, end: string | null): Placement {
  if (end === null) return 'add';
  const next = BigInt(offset) + 1n;
  const last = BigInt(end);
  if (next < last) return 'add-held';
  if (next === last) return 'add-then-close';
  return 'close-then-add';
}
