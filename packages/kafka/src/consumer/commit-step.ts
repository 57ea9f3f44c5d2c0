// Commit: a batch's offsets, after the write step wrote it (at least once). Only partitions this
// member still owns: a partition that moved in a rebalance is committed by its new owner, which
// reads the uncommitted records again (they collapse in the sink).
import type { Logger } from 'pino';
import type { Batch, NextOffset, Step } from './step';

export interface OffsetCommitter {
  /** Whether this member owns the partition now (true when not known yet). */
  owns(topic: string, partition: number): boolean;
  commitOffsets(offsets: NextOffset[]): Promise<void>;
}

export function commitStep(
  committer: OffsetCommitter,
  log: Logger,
  /** Exactly-once mode: false for a batch of an earlier group generation (its commit would be refused). */
  current: (batch: Batch<unknown>) => boolean = () => true,
): Step<Batch<unknown>> {
  return {
    async submit(batch) {
      if (!current(batch)) return;
      const offsets = [...batch.offsets.values()].filter((o) => committer.owns(o.topic, o.partition));
      if (offsets.length === 0) return;
      try {
        await committer.commitOffsets(offsets);
      } catch (err) {
        // The rows are in the sink; the records will be delivered again and collapse there.
        log.warn({ err, offsets }, 'offset commit failed after a successful flush');
      }
    },
    join: async () => true,
  };
}
