// Isolation of refused records: when the sink refuses a batch for some records' content (a row
// ClickHouse cannot parse), the batch is bisected by records, each part made from the rows already
// made (BatchSink.part), until the refused records stand alone. They become dead letters; the rest
// is written. Work left is a stack of record ranges kept on the batch, so a retriable failure half
// way (ClickHouse went away) resumes where it stopped: records already written or found at fault
// are not written again.
import type { ConsumedRecord, DeadLetter } from '../dead-letter';
import type { RefuseRecord } from './refusals';

export interface Isolation {
  /** Record ranges [from, to) still to write, the next one last. */
  ranges: [number, number][];
  refused: DeadLetter[];
}

export interface IsolationSink<C> {
  write(contents: C): Promise<void>;
  rejectsRecords(err: unknown): boolean;
  part(contents: C, from: number, to: number, records: readonly ConsumedRecord[]): C;
}

/** The isolation of a batch the sink refused as a whole with `err`. */
export function startIsolation(
  records: readonly ConsumedRecord[],
  err: unknown,
  refuse: RefuseRecord,
): Isolation {
  const isolation: Isolation = { ranges: [], refused: [] };
  settleRefused(isolation, records, 0, records.length, err, refuse);
  return isolation;
}

/**
 * Writes what is left of the isolation; resolves when every range is written or refused. Throws
 * (the isolation keeps its place) when a write fails for another reason than the records.
 */
export async function continueIsolation<C>(
  isolation: Isolation,
  contents: C,
  records: readonly ConsumedRecord[],
  sink: IsolationSink<C>,
  refuse: RefuseRecord,
): Promise<void> {
  const { ranges } = isolation;
  while (ranges.length > 0) {
    const [from, to] = ranges[ranges.length - 1]!;
    try {
      await sink.write(sink.part(contents, from, to, records.slice(from, to)));
      ranges.pop();
    } catch (err) {
      if (!sink.rejectsRecords(err)) throw err;
      ranges.pop();
      settleRefused(isolation, records, from, to, err, refuse);
    }
  }
}

/** A refused range: a single record is set aside, a longer one is split in two halves (left first). */
function settleRefused(
  isolation: Isolation,
  records: readonly ConsumedRecord[],
  from: number,
  to: number,
  err: unknown,
  refuse: RefuseRecord,
): void {
  if (to - from === 1) {
    isolation.refused.push(refuse(records[from]!, err));
    return;
  }
  const middle = from + Math.ceil((to - from) / 2);
  isolation.ranges.push([middle, to], [from, middle]);
}
