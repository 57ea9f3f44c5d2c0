import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
    expect([...loadDocumentedQueries().values()].filter((q) => q.notServed !== null)).toEqual([]);
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

  it('DateTime: Unix seconds, or ISO 8601 with an offset, as Unix seconds', () => {
    const from = { name: 'from', type: 'DateTime' } as const;
    expect(parseParam(from, '1796119200')).toBe(1_796_119_200);
    expect(parseParam(from, '2026-12-01T10:00:00Z')).toBe(1_796_119_200);
    expect(parseParam(from, '2026-12-01T11:00:00+01:00')).toBe(1_796_119_200);
    for (const bad of ['2026-12-01', '2026-12-01T10:00:00', 'yesterday', '-5', '99999999999']) {
      expect(() => parseParam(from, bad), bad).toThrow(/from must be a DateTime/);
    }
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

  it('a query file with a parameter type the console cannot check is listed but not run (501)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-queries-'));
    writeFileSync(join(dir, 'ok.sql'), '-- fine\nSELECT {n:UInt8} AS n\n');
    writeFileSync(join(dir, 'odd.sql'), '-- odd\nSELECT {t:DateTime64(3)} AS t\n');
    const loaded = loadDocumentedQueries(dir);
    expect(loaded.get('ok')!.notServed).toBeNull();
    expect(loaded.get('odd')!.notServed).toMatch(/type DateTime64\(3\)/);
    expect(() => sqlForRequest(loaded, 'odd', {})).toThrow(
      expect.objectContaining({ code: 'QUERY_NOT_SERVED', statusCode: 501 }),
    );
    expect(sqlForRequest(loaded, 'ok', { n: '7' })).toContain('SELECT 7 AS n');
  });

  it('a query without parameters is its file, unchanged', () => {
    expect(sqlForRequest(queries, 'share-on-latest-release', {})).toBe(
      queries.get('share-on-latest-release')!.sql,
    );
  });
});
