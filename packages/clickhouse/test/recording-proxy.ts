// An HTTP proxy in front of the real ClickHouse that records every statement the project's own
// code sends (migration runner, batch writer), so the exact same bytes can be replayed on another
// ClickHouse (current-clickhouse.int.test.ts replays them in chDB). Loopback only.
// Without a target it only records and answers every request with an empty 200 (a statement
// stream the server could not run, e.g. the cluster-mode migrations on a server without a cluster).
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedStatement {
  /** The `database` the client was bound to (URL parameter), or null. */
  database: string | null;
  /** URL parameters other than query/database/query_id/session_id (settings). */
  settings: Record<string, string>;
  /** The statement as the server saw it: the URL `query` followed by the body (inserts), or the body. */
  sql: string;
  /** HTTP status the real server answered with. */
  status: number;
  /** The URL `query` (an INSERT whose data is the body), or null when the body is the statement. */
  query: string | null;
  /** The request body as sent (RowBinary data is not text: replay it from a file, see `sql`). */
  body: Buffer;
}

const NOT_SETTINGS = new Set(['query', 'database', 'query_id', 'session_id']);

export class RecordingProxy {
  readonly statements: RecordedStatement[] = [];
  private server: Server | null = null;

  /**
   * `forward` (with a target): which statements reach the server; the others are recorded and answered
   * with an empty 200, as without a target (a runner rendering for a newer server than the one behind).
   */
  constructor(
    private readonly target: string | null,
    private readonly forward: (sql: string) => boolean = () => true,
  ) {}

  async start(): Promise<string> {
    const target = this.target === null ? null : new URL(this.target);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const url = new URL(req.url ?? '/', 'http://proxy');
        const statement = url.searchParams.get('query') ?? body.toString('utf8');
        if (target === null || (url.pathname === '/' && req.method === 'POST' && !this.forward(statement))) {
          if (url.pathname === '/' && req.method === 'POST') this.record(url, body, 200);
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(url.pathname === '/ping' ? 'Ok.\n' : '');
          return;
        }
        const upstream = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host },
          },
          (up) => {
            if (url.pathname === '/' && req.method === 'POST') this.record(url, body, up.statusCode ?? 0);
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
          },
        );
        upstream.on('error', (err) => {
          res.writeHead(502);
          res.end(String(err));
        });
        upstream.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private record(url: URL, body: Buffer, status: number): void {
    const settings: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (!NOT_SETTINGS.has(k)) settings[k] = v;
    const query = url.searchParams.get('query');
    const text = body.toString('utf8');
    this.statements.push({
      database: url.searchParams.get('database'),
      settings,
      // With the query in the URL the body is data (INSERT ... FORMAT JSONEachRow): the server reads
      // the query, then the body, as one stream; a newline between them is what clickhouse-client sends.
      sql: query === null ? text : text.length > 0 ? `${query}\n${text}` : query,
      status,
      query,
      body,
    });
  }
}
