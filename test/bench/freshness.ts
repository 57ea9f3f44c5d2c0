// Freshness (2xx -> queryable), measured by count as the pipeline benchmarks do: the k-th acknowledged
// item counts as queryable at the first poll where the table holds k rows (beyond those there before).
// Rows of different Kafka partitions land out of order, so single values are approximate; percentiles
// over thousands of items are what this is for.

export interface RowCountWatch {
  /** When the table first held 1, 2, … rows beyond `offset`. */
  visibleAt: number[];
  stop(): Promise<void>;
}

/** Polls `SELECT count() AS n FROM <table>` every `everyMs` until stop(). */
export function watchRowCount(
  query: <T>(sql: string) => Promise<T[]>,
  table: string,
  offset: number,
  everyMs: number,
): RowCountWatch {
  const visibleAt: number[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      try {
        const [row] = await query<{ n: string }>(`SELECT count() AS n FROM ${table}`);
        const now = performance.now();
        const n = Number(row?.n ?? 0) - offset;
        while (visibleAt.length < n) visibleAt.push(now);
      } catch {
        // the table is not there yet, or ClickHouse is busy: the next poll
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  return {
    visibleAt,
    async stop() {
      polling = false;
      await poller;
    },
  };
}

/** Milliseconds from each acknowledgement to its row being queryable, ascending. */
export function freshnessOf(acked: readonly number[], visibleAt: readonly number[]): number[] {
  return acked
    .slice(0, visibleAt.length)
    .map((t, k) => visibleAt[k]! - t)
    .sort((a, b) => a - b);
}
