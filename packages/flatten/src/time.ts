// Small conversions shared by the flatteners.

/** Epoch micros -> epoch seconds for a ClickHouse DateTime (floor, also before 1970). */
export function microsToSeconds(micros: number): number {
  return Math.floor(micros / 1_000_000);
}

/** Object entries sorted by key (code-point order), so array columns are stable. */
export function sortedEntries<V>(record: Record<string, V>): Array<[string, V]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
