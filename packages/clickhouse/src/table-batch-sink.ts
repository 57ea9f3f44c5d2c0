// Adapts TableBatch + BatchWriter to the batch consumer's sink contract (structurally, so this
// package does not depend on Kafka): the value of a record is its rows per table (decode -> flatten,
// the consumer's transform step), and adding them is all or nothing (a row the RowBinary encoder
// refuses), so a record that throws leaves the batch untouched. A part of a batch is cut out of the
// rows already encoded. An insert the server refused for its rows (INSERT_REJECTED) tells the
// consumer to isolate the records at fault; every other failure is retried.
import type { BatchWriter } from './batch-writer';
import { ClickHouseStoreError } from './clickhouse-error';
import type { TableSpec } from './row-encoder';
import { TableBatch, type TableRows } from './table-batch';

/** Rows of one record per table name (e.g. flatten's StatusRows), as objects or already in RowBinary. */
export type RowsByTable<T> = { [K in keyof T]: TableRows };

export interface TableBatchSink<T> {
  createBatch(): TableBatch;
  add(batch: TableBatch, rows: T): void;
  size(batch: TableBatch): { rows: number; bytes: number };
  write(batch: TableBatch, key?: string): Promise<void>;
  rejectsRecords(err: unknown): boolean;
  part(batch: TableBatch, from: number, to: number): TableBatch;
}

export function createTableBatchSink<T extends RowsByTable<T>>(options: {
  writer: Pick<BatchWriter, 'write'>;
  specs: ReadonlyMap<string, TableSpec>;
}): TableBatchSink<T> {
  return {
    createBatch: () => new TableBatch(options.specs),
    add: (batch, rows) => batch.addAll(Object.entries(rows) as [string, TableRows][]),
    size: (batch) => ({ rows: batch.rows, bytes: batch.bytes }),
    write: (batch, key) => options.writer.write(batch, key),
    rejectsRecords: (err) => err instanceof ClickHouseStoreError && err.code === 'INSERT_REJECTED',
    part: (batch, from, to) => batch.part(from, to),
  };
}
