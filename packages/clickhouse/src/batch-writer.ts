// Inserts a TableBatch: one INSERT per table (JSONEachRow, or RowBinary for the hot table), in a fixed
// table order. A failure goes to the caller with the server code and the retriable flag: the loader's
// write step is the one place that retries (backoff, consumption paused), and isolates the records at
// fault when the server refused the rows themselves (INSERT_REJECTED). `attempts` > 1 makes the
// writer retry by itself, for a caller without such a policy (tools, tests); the loaders leave it at 1.
// Tables already inserted are remembered per batch and not inserted again on the caller's retry
// (a re-insert would be harmless anyway: rows collapse in ReplacingMergeTree).
//
// Cluster mode: `settings` carries insert_distributed_sync=1 (the loaders set it with CLICKHOUSE_CLUSTER),
// so an INSERT into a Distributed table returns only once every shard's block is in one replica of that
// shard, before the consumer commits the offsets. Exactly-once mode: write(batch, key) names the records;
// where the server has insert_deduplication_token (not 18.16, which deduplicates replicated blocks by
// their content alone) each table's insert carries `<key>:<table>`.
import { Readable } from 'node:stream';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { toInsertError } from './clickhouse-error';
import type { InsertPayload, TableBatch } from './table-batch';

export interface InsertObservation {
  table: string;
  rows: number;
  bytes: number;
  seconds: number;
  ok: boolean;
}

export interface BatchWriterOptions {
  client: ClickHouseClient;
  database: string;
  /** Insert order; the report table last, so a visible report has its details. */
  tableOrder?: readonly string[];
  /** Attempts per table within one write() call (>= 1). Default 1: the caller retries. */
  attempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** ClickHouse settings sent with every INSERT (e.g. insert_distributed_sync: 1 in cluster mode). */
  settings?: Readonly<Record<string, string | number>>;
  /** Called after every insert attempt (metrics). */
  onInsert?: (observation: InsertObservation) => void;
  sleep?: (ms: number) => Promise<void>;
}

export class BatchWriter {
  private readonly done = new WeakMap<TableBatch, Set<string>>();
  private readonly sleep: (ms: number) => Promise<void>;
  /** Whether the server knows insert_deduplication_token; asked once, on the first keyed write. */
  private tokenSupport: Promise<boolean> | null = null;

  constructor(private readonly options: BatchWriterOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Inserts every table of the batch; resolves when all are in, throws ClickHouseStoreError otherwise. */
  async write(batch: TableBatch, key?: string): Promise<void> {
    const tokens = key !== undefined && (await this.supportsToken());
    let done = this.done.get(batch);
    if (!done) {
      done = new Set();
      this.done.set(batch, done);
    }
    for (const table of batch.tablesInOrder(this.options.tableOrder)) {
      if (done.has(table)) continue;
      const token = tokens ? `${key}:${table}` : null;
      await this.insertWithRetry(table, batch.payloadOf(table), batch.rowsOf(table), token);
      done.add(table);
    }
  }

  private supportsToken(): Promise<boolean> {
    this.tokenSupport ??= (async () => {
      const result = await this.options.client.query({
        query: "SELECT count() AS n FROM system.settings WHERE name = 'insert_deduplication_token'",
        format: 'JSONEachRow',
      });
      const rows = await result.json<{ n: number | string }>();
      return Number(rows[0]?.n ?? 0) > 0;
    })().catch((err) => {
      this.tokenSupport = null; // asked again on the next write
      throw toInsertError('system.settings', err);
    });
    return this.tokenSupport;
  }

  private async insertWithRetry(
    table: string,
    payload: InsertPayload,
    rows: number,
    token: string | null,
  ): Promise<void> {
    const attempts = Math.max(1, this.options.attempts ?? 1);
    let backoff = this.options.initialBackoffMs ?? 100;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.insert(table, payload, rows, token);
        return;
      } catch (err) {
        const error = toInsertError(table, err);
        if (!error.retriable || attempt >= attempts) throw error;
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, this.options.maxBackoffMs ?? 2_000);
      }
    }
  }

  private async insert(
    table: string,
    payload: InsertPayload,
    rows: number,
    token: string | null,
  ): Promise<void> {
    const started = performance.now();
    const { body, columns, format } = payload;
    const bytes =
      typeof body === 'string' ? Buffer.byteLength(body) : body.reduce((n, piece) => n + piece.length, 0);
    const columnList = columns ? ` (${columns.join(', ')})` : '';
    let ok = false;
    try {
      // exec with a pre-encoded body: the rows were encoded once when they were added to the batch.
      const result = await this.options.client.exec({
        query: `INSERT INTO ${this.options.database}.${table}${columnList} FORMAT ${format}`,
        values: Readable.from(typeof body === 'string' ? [body] : body),
        clickhouse_settings: this.settingsFor(token),
      });
      result.stream.resume();
      await new Promise<void>((resolve, reject) => {
        result.stream.once('end', resolve);
        result.stream.once('error', reject);
      });
      ok = true;
    } finally {
      this.options.onInsert?.({ table, rows, bytes, seconds: (performance.now() - started) / 1000, ok });
    }
  }

  private settingsFor(token: string | null): ClickHouseSettings | undefined {
    const settings = this.options.settings;
    if (!settings && token === null) return undefined;
    return {
      ...settings,
      ...(token === null ? {} : { insert_deduplication_token: token }),
    } as ClickHouseSettings;
  }
}
