// The column names of a migration's CREATE TABLE, in their order (for tests holding RowBinary specs to the DDL).
import { readFileSync } from 'node:fs';
import { DEFAULT_MIGRATIONS_DIR } from '../src';

export function ddlColumns(migration: string): string[] {
  // Comments dropped first: they may hold parentheses before the CREATE TABLE's column list.
  const ddl = readFileSync(`${DEFAULT_MIGRATIONS_DIR}/${migration}`, 'utf8')
    .split('\n')
    .filter((line) => !/^\s*--/.test(line))
    .join('\n');
  const body = ddl.slice(ddl.indexOf('(') + 1, ddl.indexOf('\n)'));
  return body
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^[a-z_]+ /.test(line))
    .map((line) => line.split(' ')[0]!);
}
