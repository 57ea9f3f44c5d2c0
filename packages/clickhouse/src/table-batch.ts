// Rows of several tables accumulated for one insert per table. Rows are encoded when added, so
// the batch knows its exact size in bytes (used to cut batches) and a retry resends the same bytes.
import { encodeRow, type TableSpec } from './row-encoder';

interface TableChunk {
  spec: TableSpec;
  lines: string[];
  bytes: number;
}

export class TableBatch {
  private readonly tables = new Map<string, TableChunk>();
  private rowCount = 0;
  private byteCount = 0;

  constructor(private readonly specs: ReadonlyMap<string, TableSpec>) {}

  add(table: string, rows: readonly object[]): void {
    if (rows.length === 0) return;
    let chunk = this.tables.get(table);
    if (!chunk) {
      const spec = this.specs.get(table) ?? { name: table };
      chunk = { spec, lines: [], bytes: 0 };
      this.tables.set(table, chunk);
    }
    const { encode, floatColumns } = chunk.spec;
    for (const row of rows) {
      const line = encode ? encode(row) : encodeRow(row, floatColumns);
      chunk.lines.push(line);
      // Rows are mostly ASCII; string length is a close, cheap estimate of the UTF-8 size.
      chunk.bytes += line.length;
      this.byteCount += line.length;
    }
    this.rowCount += rows.length;
  }

  get rows(): number {
    return this.rowCount;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Tables with rows, in the order given (unknown tables after, in insertion order). */
  tablesInOrder(order: readonly string[] = []): string[] {
    const names = [...this.tables.keys()];
    const rank = (t: string) => {
      const i = order.indexOf(t);
      return i === -1 ? order.length : i;
    };
    return names.sort((a, b) => rank(a) - rank(b));
  }

  rowsOf(table: string): number {
    return this.tables.get(table)?.lines.length ?? 0;
  }

  /** The JSONEachRow body of one table. */
  bodyOf(table: string): string {
    return this.tables.get(table)?.lines.join('') ?? '';
  }
}
