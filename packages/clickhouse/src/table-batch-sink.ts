// Adapts TableBatch + BatchWriter to the batch consumer's sink contract (structurally, so this
// package does not depend on Kafka): `rowsOf` is the per-record pipeline (decode -> flatten) and
// runs completely before anything is added, and adding is all or nothing (a row the RowBinary encoder
// refuses), so a record that throws leaves the batch untouched.
// An insert the server refused for its rows (INSERT_REJECTED) tells the consumer to isolate the
// records at fault; every other failure is retried.
import type { BatchWriter } from './batch-writer';
import { ClickHouseStoreError } from './clickhouse-error';
import type { TableSpec } from './row-encoder';
import { TableBatch } from './table-batch';

/** Rows of one record per table name (e.g. flatten's StatusRows). */
export type RowsByTable<T> = { [K in keyof T]: readonly object[] };

export interface TableBatchSink<R> {
  createBatch(): TableBatch;
  add(batch: TableBatch, record: R): void;
  size(batch: TableBatch): { rows: number; bytes: number };
  write(batch: TableBatch): Promise<void>;
  rejectsRecords(err: unknown): boolean;
}

export function createTableBatchSink<R, T extends RowsByTable<T>>(options: {
  writer: BatchWriter;
  specs: ReadonlyMap<string, TableSpec>;
  rowsOf: (record: R) => T;
}): TableBatchSink<R> {
  return {
    createBatch: () => new TableBatch(options.specs),
    add(batch, record) {
      const rows = options.rowsOf(record);
      batch.addAll(Object.entries(rows) as [string, readonly object[]][]);
    },
    size: (batch) => ({ rows: batch.rows, bytes: batch.bytes }),
    write: (batch) => options.writer.write(batch),
    rejectsRecords: (err) => err instanceof ClickHouseStoreError && err.code === 'INSERT_REJECTED',
  };
}
