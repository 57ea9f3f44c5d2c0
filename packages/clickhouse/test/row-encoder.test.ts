import { describe, expect, it } from 'vitest';
import {
  bindQueryParams,
  ClickHouseStoreError,
  encodeRow,
  isRetriable,
  serverCodeOf,
  TableBatch,
} from '../src';

describe('encodeRow', () => {
  it('writes one JSON line per row', () => {
    expect(encodeRow({ a: 1, b: 'x', c: null, d: [1, 2] })).toBe('{"a":1,"b":"x","c":null,"d":[1,2]}\n');
  });

  it('writes NaN and infinities as the bare tokens ClickHouse reads, in declared float columns', () => {
    expect(encodeRow({ value: Number.NaN, name: 'x' }, ['value'])).toBe('{"value":NaN,"name":"x"}\n');
    expect(encodeRow({ value: Number.POSITIVE_INFINITY }, ['value'])).toBe('{"value":inf}\n');
    expect(encodeRow({ vs: [1, Number.NEGATIVE_INFINITY] }, ['vs'])).toBe('{"vs":[1,-inf]}\n');
  });

  it('leaves strings that look like the sentinel alone', () => {
    expect(encodeRow({ value: Number.NaN, s: 'NaN' }, ['value'])).toBe('{"value":NaN,"s":"NaN"}\n');
  });
});

describe('TableBatch', () => {
  it('counts rows and bytes per table and orders tables for insert', () => {
    const batch = new TableBatch(new Map());
    batch.add('status_reports', [{ a: 1 }]);
    batch.add('bundles', [{ b: 1 }, { b: 2 }]);
    expect(batch.rows).toBe(3);
    expect(batch.bytes).toBe('{"a":1}\n'.length + 2 * '{"b":1}\n'.length);
    expect(batch.tablesInOrder(['bundles', 'status_reports'])).toEqual(['bundles', 'status_reports']);
    expect(batch.payloadOf('bundles')).toEqual({
      format: 'JSONEachRow',
      columns: null,
      body: '{"b":1}\n{"b":2}\n',
    });
  });
});

describe('isRetriable', () => {
  it('retries overload and network errors, not syntax or parse errors', () => {
    expect(isRetriable(Object.assign(new Error('too many parts'), { code: '252' }))).toBe(true);
    expect(isRetriable(Object.assign(new Error('syntax'), { code: '62' }))).toBe(false);
    expect(isRetriable(Object.assign(new Error('parse'), { code: '27' }))).toBe(false);
    expect(isRetriable(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(
      isRetriable(new Error('x', { cause: Object.assign(new Error('y'), { code: 'ECONNRESET' }) })),
    ).toBe(true);
  });

  it('reads the server code from a ClickHouse 18.16 error, which the client does not parse', () => {
    const old = new Error(
      'Code: 252, e.displayText() = DB::Exception: Too many parts (300), e.what() = DB::Exception',
    );
    expect(serverCodeOf(old)).toBe('252');
    expect(isRetriable(old)).toBe(true);
    expect(serverCodeOf(new Error('Code: 60. DB::Exception: Table x does not exist. (UNKNOWN_TABLE)'))).toBe(
      '60',
    );
  });
});

describe('bindQueryParams', () => {
  it('inlines {name:String} parameters as quoted literals for ClickHouse 18.16', () => {
    expect(bindQueryParams('WHERE id = {instance_id:String}', { instance_id: "a'b" })).toBe(
      "WHERE id = 'a\\'b'",
    );
  });

  it('fails on a missing parameter', () => {
    expect(() => bindQueryParams('{x:String}', {})).toThrow(ClickHouseStoreError);
  });
});
