// The documented analyst queries the console may run (schemas/clickhouse/queries/*.sql, loaded once), and
// the one way a request becomes SQL: a known query name, and values for exactly its declared parameters.
import { bindQueryParams, loadAnalystQueries } from '@opa-fleet/clickhouse';
import { ConsoleError } from './console-error';
import { parseParam, type QueryParam, queryParamsOf } from './query-params';

export interface DocumentedQuery {
  name: string;
  /** The query file's leading comment, as one paragraph. */
  description: string;
  params: QueryParam[];
  sql: string;
  /** Why the console does not run it (a parameter type it cannot check); null: it does. */
  notServed: string | null;
}

export type DocumentedQueries = ReadonlyMap<string, DocumentedQuery>;

export function loadDocumentedQueries(dir?: string): DocumentedQueries {
  const queries = new Map<string, DocumentedQuery>();
  for (const [name, sql] of loadAnalystQueries(dir)) {
    const description = leadingComment(sql);
    try {
      queries.set(name, { name, description, params: queryParamsOf(sql), sql, notServed: null });
    } catch (err) {
      // One query the console cannot check must not keep it from serving the others.
      queries.set(name, { name, description, params: [], sql, notServed: (err as Error).message });
    }
  }
  return queries;
}

/**
 * The SQL to run for a request: every parameter from `values` (text, as in a URL) or else from
 * `defaults`, parsed to its type; an unknown parameter or a missing one is refused, never ignored.
 */
export function sqlForRequest(
  queries: DocumentedQueries,
  name: string,
  values: Record<string, string>,
  defaults: Record<string, string> = {},
): string {
  const query = queries.get(name);
  if (!query) throw new ConsoleError('UNKNOWN_QUERY', `no documented query ${JSON.stringify(name)}`);
  if (query.notServed)
    throw new ConsoleError('QUERY_NOT_SERVED', `${name} is not served: ${query.notServed}`);
  const declared = new Set(query.params.map((p) => p.name));
  for (const given of Object.keys(values)) {
    if (!declared.has(given)) {
      const accepted = query.params.length > 0 ? query.params.map((p) => p.name).join(', ') : 'none';
      throw new ConsoleError(
        'UNKNOWN_PARAM',
        `${name} has no parameter ${given} (accepted: ${accepted})`,
        given,
      );
    }
  }
  const bound: Record<string, string | number> = {};
  for (const param of query.params) {
    const raw = values[param.name] ?? defaults[param.name];
    if (raw === undefined) {
      throw new ConsoleError('MISSING_PARAM', `${name} needs ${param.name} (${param.type})`, param.name);
    }
    bound[param.name] = parseParam(param, raw);
  }
  return bindQueryParams(query.sql, bound);
}

function leadingComment(sql: string): string {
  const lines: string[] = [];
  for (const line of sql.split('\n')) {
    if (!line.startsWith('--')) break;
    lines.push(line.replace(/^--\s?/, ''));
  }
  return lines.join(' ').trim();
}
