// Rows of several tables accumulated for one insert per table. Rows are encoded when added (JSONEachRow
// lines, or RowBinary for a table whose spec says so), so the batch knows its exact size in bytes (used to
// cut batches) and a retry resends the same bytes. Adding is all or nothing: rows that fail to encode
// leave the batch as it was, so the caller can dead-letter the record and go on. Each addAll() is one
// record: where every record's rows start is kept, so part(from, to) can cut the rows of records
// [from, to) out as a batch of their own without encoding them again (bisection of a refused batch).
// A RowBinary table's body is kept in pieces: rows a transcoder wrote are taken as they are (views, not
// copies), rows encoded here are taken from the chunk's own writer used as an arena, so neither is
// copied into one growing buffer (at 32 MB a batch, those copies and the fresh memory they touched
// were the decision-loader's largest cost after the transcode itself).

import { RowBinaryRows, RowBinaryWriter } from './row-binary';
import { encodeRow, type RowBinarySpec, type TableSpec } from './row-encoder';

/** One table's rows of a record: objects, or RowBinary already written in the table's column order. */
export type TableRows = readonly object[] | RowBinaryRows;

interface TableChunk {
  spec: TableSpec;
  /** JSONEachRow lines; unused for a RowBinary table. */
  lines: string[];
  /** A RowBinary table: its body in pieces, in order, and the writer rows are encoded into. */
  binary: { pieces: Buffer[]; writer: RowBinaryWriter } | null;
  rows: number;
  bytes: number;
  /** The record whose rows came first (records before it have none here). */
  firstRecord: number;
  /** Rows and bytes before record firstRecord + i, for every record added since. */
  rowStarts: number[];
  byteStarts: number[];
}

/** What one INSERT sends: the format, its column list (RowBinary) and the body. */
export interface InsertPayload {
  format: 'JSONEachRow' | 'RowBinary';
  /** The columns the body holds, in order; null when the body names them (JSONEachRow). */
  columns: readonly string[] | null;
  /** JSONEachRow text, or RowBinary bytes in pieces (sent one after the other, never joined). */
  body: string | readonly Buffer[];
}

interface ChunkMark {
  chunk: TableChunk;
  lines: number;
  pieces: number;
  /** The last piece then (a piece added after it may have extended it). */
  lastPiece: Buffer | undefined;
  rows: number;
  bytes: number;
}

export class TableBatch {
  private readonly tables = new Map<string, TableChunk>();
  private rowCount = 0;
  private byteCount = 0;
  private recordCount = 0;

  constructor(private readonly specs: ReadonlyMap<string, TableSpec>) {}

  /** Adds the rows of one table; on an encoding error nothing of them is added. */
  add(table: string, rows: TableRows): void {
    this.addAll([[table, rows]]);
  }

  /**
   * Adds the rows of one record, every table or none (an encoding error rolls all of them back). Rows come
   * as objects, or already in RowBinary for a RowBinary table (a transcoder wrote them).
   */
  addAll(rowsByTable: Iterable<readonly [string, TableRows]>): void {
    const marks: ChunkMark[] = [];
    const rowCount = this.rowCount;
    const byteCount = this.byteCount;
    const existing = [...this.tables.values()];
    for (const chunk of existing) {
      chunk.rowStarts.push(chunk.rows);
      chunk.byteStarts.push(chunk.bytes);
    }
    try {
      for (const [table, rows] of rowsByTable) {
        const count = rows instanceof RowBinaryRows ? rows.count : rows.length;
        if (count === 0) continue;
        const chunk = this.chunkOf(table, this.recordCount);
        marks.push({
          chunk,
          lines: chunk.lines.length,
          pieces: chunk.binary?.pieces.length ?? 0,
          lastPiece: chunk.binary?.pieces.at(-1),
          rows: chunk.rows,
          bytes: chunk.bytes,
        });
        const added = chunk.spec.rowBinary
          ? appendBinary(chunk, chunk.spec.rowBinary, rows)
          : appendLines(chunk, rows);
        chunk.rows += count;
        chunk.bytes += added;
        this.rowCount += count;
        this.byteCount += added;
      }
    } catch (err) {
      for (const mark of marks.reverse()) {
        mark.chunk.lines.length = mark.lines;
        if (mark.chunk.binary) {
          mark.chunk.binary.pieces.length = mark.pieces;
          if (mark.lastPiece) mark.chunk.binary.pieces[mark.pieces - 1] = mark.lastPiece;
          mark.chunk.binary.writer.truncate(0); // bytes taken already are left unused
        }
        mark.chunk.rows = mark.rows;
        mark.chunk.bytes = mark.bytes;
      }
      this.rowCount = rowCount;
      this.byteCount = byteCount;
      for (const chunk of existing) {
        chunk.rowStarts.pop();
        chunk.byteStarts.pop();
      }
      for (const [table, chunk] of this.tables)
        if (chunk.firstRecord === this.recordCount) this.tables.delete(table);
      throw err;
    }
    this.recordCount += 1;
  }

  /** Records added (one per addAll()). */
  get records(): number {
    return this.recordCount;
  }

  /** The rows of records [from, to) as a batch of their own, cut out of this one (nothing encoded again). */
  part(from: number, to: number): TableBatch {
    const part = new TableBatch(this.specs);
    for (const [table, chunk] of this.tables) {
      const [r0, b0] = startOf(chunk, from, this.recordCount);
      const [r1, b1] = startOf(chunk, to, this.recordCount);
      if (r1 === r0) continue;
      const cut = part.chunkOf(table, 0);
      cut.rowStarts = [];
      cut.byteStarts = [];
      if (cut.binary) cut.binary.pieces = slicePieces(chunk.binary!.pieces, b0, b1);
      else cut.lines = chunk.lines.slice(r0, r1);
      cut.rows = r1 - r0;
      cut.bytes = b1 - b0;
      for (let record = from; record < to; record++) {
        const [r, b] = startOf(chunk, record, this.recordCount);
        cut.rowStarts.push(r - r0);
        cut.byteStarts.push(b - b0);
      }
      part.rowCount += cut.rows;
      part.byteCount += cut.bytes;
    }
    part.recordCount = to - from;
    return part;
  }

  get rows(): number {
    return this.rowCount;
  }

  get bytes(): number {
    return this.byteCount;
  }

  /** Tables with rows, in the order given (unknown tables after, in insertion order). */
  tablesInOrder(order: readonly string[] = []): string[] {
    const names = [...this.tables.keys()].filter((t) => this.rowsOf(t) > 0);
    const rank = (t: string) => {
      const i = order.indexOf(t);
      return i === -1 ? order.length : i;
    };
    return names.sort((a, b) => rank(a) - rank(b));
  }

  rowsOf(table: string): number {
    return this.tables.get(table)?.rows ?? 0;
  }

  /** The body of one table's INSERT, in the table's format. */
  payloadOf(table: string): InsertPayload {
    const chunk = this.tables.get(table);
    const binary = chunk?.spec.rowBinary;
    if (chunk?.binary && binary) {
      return { format: 'RowBinary', columns: binary.columns, body: chunk.binary.pieces };
    }
    return { format: 'JSONEachRow', columns: null, body: chunk?.lines.join('') ?? '' };
  }

  private chunkOf(table: string, record: number): TableChunk {
    let chunk = this.tables.get(table);
    if (!chunk) {
      const spec = this.specs.get(table) ?? { name: table };
      chunk = {
        spec,
        lines: [],
        binary: spec.rowBinary ? { pieces: [], writer: new RowBinaryWriter(ENCODE_ARENA_BYTES) } : null,
        rows: 0,
        bytes: 0,
        firstRecord: record,
        rowStarts: [0],
        byteStarts: [0],
      };
      this.tables.set(table, chunk);
    }
    return chunk;
  }
}

/** A payload's body as one buffer (tools and tests; the writer sends the pieces as they are). */
export function payloadBytes(payload: InsertPayload): Buffer {
  return typeof payload.body === 'string' ? Buffer.from(payload.body) : Buffer.concat(payload.body);
}

/** Buffers of the writer rows are encoded into: a 35 KB status record's samples, about 30 to a buffer. */
const ENCODE_ARENA_BYTES = 1024 * 1024;

/** Rows and bytes of `chunk` before record `record` (`records`: the end). */
function startOf(chunk: TableChunk, record: number, records: number): [number, number] {
  if (record >= records) return [chunk.rows, chunk.bytes];
  if (record < chunk.firstRecord) return [0, 0];
  const i = record - chunk.firstRecord;
  return [chunk.rowStarts[i]!, chunk.byteStarts[i]!];
}

function appendLines(chunk: TableChunk, rows: TableRows): number {
  if (rows instanceof RowBinaryRows) {
    throw new TypeError(`table ${chunk.spec.name} is inserted as JSONEachRow; it takes no RowBinary rows`);
  }
  const { encode, floatColumns } = chunk.spec;
  let bytes = 0;
  for (const row of rows) {
    const line = encode ? encode(row) : encodeRow(row, floatColumns);
    chunk.lines.push(line);
    // Rows are mostly ASCII; string length is a close, cheap estimate of the UTF-8 size.
    bytes += line.length;
  }
  return bytes;
}

function appendBinary(chunk: TableChunk, spec: RowBinarySpec, rows: TableRows): number {
  const { pieces, writer } = chunk.binary!;
  if (rows instanceof RowBinaryRows) {
    appendPiece(pieces, Buffer.from(rows.bytes.buffer, rows.bytes.byteOffset, rows.bytes.byteLength));
    return rows.bytes.byteLength;
  }
  for (const row of rows) spec.write(row, writer);
  const taken = writer.take();
  appendPiece(pieces, taken);
  return taken.length;
}

/** Adds a piece; one that continues the last in the same memory (an arena's next rows) extends it. */
function appendPiece(pieces: Buffer[], piece: Buffer): void {
  if (piece.length === 0) return;
  const last = pieces[pieces.length - 1];
  if (last && last.buffer === piece.buffer && last.byteOffset + last.length === piece.byteOffset) {
    pieces[pieces.length - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + piece.length);
  } else pieces.push(piece);
}

/** Bytes [from, to) of a body in pieces, as pieces (views). */
function slicePieces(pieces: readonly Buffer[], from: number, to: number): Buffer[] {
  const cut: Buffer[] = [];
  let offset = 0;
  for (const piece of pieces) {
    const end = offset + piece.length;
    if (end > from && offset < to) {
      cut.push(piece.subarray(Math.max(0, from - offset), Math.min(piece.length, to - offset)));
    }
    offset = end;
    if (offset >= to) break;
  }
  return cut;
}
