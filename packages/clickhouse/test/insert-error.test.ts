import { describe, expect, it } from 'vitest';
import { type BatchWriter, ClickHouseStoreError, createTableBatchSink, STATUS_TABLE_SPECS } from '../src';
import { toInsertError } from '../src/clickhouse-error';

// ClickHouse 18.16's error format (the client does not parse it) and current ClickHouse's.
const old = (code: number, text: string) =>
  new Error(`Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception`);
const current = (code: string, text: string) => Object.assign(new Error(text), { code });

describe('insert errors', () => {
  it('calls a refusal of the rows themselves INSERT_REJECTED, not retriable', () => {
    for (const err of [
      old(72, "Unsigned type must not contain '-' symbol: (while read the value of key n): (at row 2)"),
      old(27, 'Cannot parse input: expected " before: abc'),
      current('41', 'Cannot parse DateTime'),
    ]) {
      const e = toInsertError('status_reports', err);
      expect(e).toMatchObject({ code: 'INSERT_REJECTED', retriable: false });
      expect(e.message).toMatch(/^insert into status_reports refused a row: /);
    }
  });

  it('keeps schema, access and server trouble as INSERT_FAILED (retried, never set aside as records)', () => {
    expect(toInsertError('t', old(60, "Table opa.t doesn't exist."))).toMatchObject({
      code: 'INSERT_FAILED',
      retriable: false,
      serverCode: '60',
    });
    expect(toInsertError('t', current('252', 'Too many parts'))).toMatchObject({
      code: 'INSERT_FAILED',
      retriable: true,
    });
    expect(toInsertError('t', Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toMatchObject({
      code: 'INSERT_FAILED',
      retriable: true,
      serverCode: null,
    });
  });

  it('retries what a Distributed insert passes on from a replica that went away, never isolating rows', () => {
    // The message a Distributed insert on 18.16 answered when a replica was SIGKILLed mid-insert (cluster suite).
    const killedReplica = old(
      32,
      'Attempt to read after eof: while receiving packet from 127.0.0.1:25904: Insertion status:\nWrote 1 blocks and 36 rows on shard 0 replica 0, 127.0.0.1:25901 (average 0 ms per block)\n',
    );
    expect(toInsertError('prometheus_samples', killedReplica)).toMatchObject({
      code: 'INSERT_FAILED',
      retriable: true,
      serverCode: '32',
    });
    expect(
      toInsertError('t', current('32', 'Attempt to read after eof: while receiving packet from ch-2:9000.')),
    ).toMatchObject({ code: 'INSERT_FAILED', retriable: true });
    // The same code from the server parsing the rows it was sent is still a refusal of those rows.
    expect(toInsertError('t', old(32, 'Attempt to read after eof: (at row 3)'))).toMatchObject({
      code: 'INSERT_REJECTED',
    });
    expect(toInsertError('t', old(279, 'All connection tries failed.'))).toMatchObject({ retriable: true });
  });

  it('lets the batch consumer bisect only on INSERT_REJECTED', () => {
    const sink = createTableBatchSink({ writer: {} as BatchWriter, specs: STATUS_TABLE_SPECS });
    expect(sink.rejectsRecords(toInsertError('t', old(72, 'negative')))).toBe(true);
    expect(sink.rejectsRecords(toInsertError('t', old(60, 'no table')))).toBe(false);
    expect(sink.rejectsRecords(new ClickHouseStoreError('INSERT_FAILED', 'down', { retriable: true }))).toBe(
      false,
    );
  });
});
