// The documented analyst queries (schemas/clickhouse/queries/*.sql), loaded from the same files the
// README links to, so the tests exercise exactly what the docs show.
// Parameters use current ClickHouse's `{name:Type}` syntax; ClickHouse 18.16 has no query
// parameters, so bindQueryParams() inlines them as quoted literals.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClickHouseStoreError } from './clickhouse-error';

export const DEFAULT_QUERIES_DIR = fileURLToPath(
  new URL('../../../schemas/clickhouse/queries', import.meta.url),
);

export function loadAnalystQueries(dir: string = DEFAULT_QUERIES_DIR): Map<string, string> {
  return new Map(
    readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort()
      .map((f) => [f.replace(/\.sql$/, ''), readFileSync(join(dir, f), 'utf8')]),
  );
}

export function bindQueryParams(sql: string, params: Record<string, string | number>): string {
  return sql.replace(/\{([A-Za-z_][A-Za-z0-9_]*):([A-Za-z0-9()]+)\}/g, (_m, name: string, type: string) => {
    const value = params[name];
    if (value === undefined) {
      throw new ClickHouseStoreError('QUERY_FAILED', `query parameter ${name} is missing`, {
        retriable: false,
      });
    }
    if (type === 'String') return `'${String(value).replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    throw new ClickHouseStoreError('QUERY_FAILED', `query parameter ${name} must be a number`, {
      retriable: false,
    });
  });
}
