import { describe, expect, it } from 'vitest';
import { ConsoleError } from '../src/console-error';
import { loadDocumentedQueries, sqlForRequest } from '../src/documented-queries';
import { parseParam, queryParamsOf } from '../src/query-params';

describe('queryParamsOf', () => {
  it('finds each {name:Type} placeholder once, in order', () => {
    expect(queryParamsOf('SELECT {a:String}, {b:UInt32} WHERE x = {a:String}')).toEqual([
      { name: 'a', type: 'String' },
      { name: 'b', type: 'UInt32' },
    ]);
  });

  it('refuses a type it cannot check (the console would not start with such a query file)', () => {
    expect(() => queryParamsOf('SELECT {d:DateTime64(3)}')).toThrow(/type DateTime64\(3\)/);
  });

  it('every documented query declares only types the console checks', () => {
    expect(() => loadDocumentedQueries()).not.toThrow();
  });
});

describe('parseParam', () => {
  const minutes = { name: 'silent_minutes', type: 'UInt32' } as const;

  it.each([
    ['0', 0],
    ['30', 30],
    ['4294967295', 4_294_967_295],
  ])('UInt32 %s -> %d', (raw, value) => {
    expect(parseParam(minutes, raw)).toBe(value);
  });

  it.each([
    '',
    ' 30',
    '30 ',
    '1e3',
    '0x10',
    '-1',
    '4294967296',
    '3.0',
    '30; DROP TABLE x',
    '99999999999999999',
  ])('UInt32 refuses %j with INVALID_PARAM naming the parameter', (raw) => {
    const error = (() => {
      try {
        parseParam(minutes, raw);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ConsoleError);
    expect(error).toMatchObject({ code: 'INVALID_PARAM', param: 'silent_minutes', statusCode: 400 });
  });

  it('Int32 takes negatives; String takes any text up to 256 characters', () => {
    expect(parseParam({ name: 'n', type: 'Int32' }, '-7')).toBe(-7);
    expect(parseParam({ name: 's', type: 'String' }, "it's")).toBe("it's");
    expect(() => parseParam({ name: 's', type: 'String' }, 'x'.repeat(257))).toThrow(ConsoleError);
  });
});

describe('sqlForRequest', () => {
  const queries = loadDocumentedQueries();

  it('inlines a validated value, quoting strings so they stay one literal', () => {
    const sql = sqlForRequest(queries, 'latest-status-of-instance', { instance_id: "x' OR '1'='1" });
    expect(sql).toContain("WHERE instance_id = 'x\\' OR \\'1\\'=\\'1'");
  });

  it('takes a default when the request leaves the parameter out, and the request value over it', () => {
    const defaults = { silent_minutes: '30' };
    expect(sqlForRequest(queries, 'instances-stopped-reporting', {}, defaults)).toContain('now() - 30 * 60');
    expect(
      sqlForRequest(queries, 'instances-stopped-reporting', { silent_minutes: '5' }, defaults),
    ).toContain('now() - 5 * 60');
  });

  it('a query without parameters is its file, unchanged', () => {
    expect(sqlForRequest(queries, 'share-on-latest-release', {})).toBe(
      queries.get('share-on-latest-release')!.sql,
    );
  });
});
