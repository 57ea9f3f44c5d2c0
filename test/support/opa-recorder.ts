// An HTTP proxy between real OPA processes and the gateway that records every exchange: what OPA sent
// (method, path, the headers that matter, the body, gunzipped when gzip) and what the gateway answered.
// The real-OPA suite reads its captures to assert on exact reports and writes them out as the corpus of
// real bodies. Loopback only.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

export interface OpaExchange {
  /** Milliseconds since the recorder started. */
  at: number;
  method: string;
  path: string;
  userAgent: string | null;
  contentType: string | null;
  contentEncoding: string | null;
  /** Bytes on the wire (compressed when gzip). */
  wireBytes: number;
  /** The body as text (after gunzip); '' when none. */
  body: string;
  status: number;
  /** The gateway's answer as text. */
  reply: string;
}

export class OpaRecorder {
  readonly exchanges: OpaExchange[] = [];
  private server: Server | null = null;
  private readonly started = Date.now();

  constructor(private readonly target: string) {}

  async start(): Promise<string> {
    const target = new URL(this.target);
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const wire = Buffer.concat(chunks);
        const upstream = request(
          {
            host: target.hostname,
            port: target.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: target.host },
          },
          (up) => {
            const replyChunks: Buffer[] = [];
            up.on('data', (c: Buffer) => replyChunks.push(c));
            up.on('end', () => {
              const reply = Buffer.concat(replyChunks);
              this.record(req, wire, up.statusCode ?? 0, reply);
              res.writeHead(up.statusCode ?? 502, up.headers);
              res.end(reply);
            });
          },
        );
        upstream.on('error', (err) => {
          res.writeHead(502);
          res.end(String(err));
        });
        upstream.end(wire);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Milliseconds since the recorder started (the clock of `OpaExchange.at`). */
  elapsed(): number {
    return Date.now() - this.started;
  }

  /** Exchanges whose path matches, oldest first. */
  to(path: RegExp): OpaExchange[] {
    return this.exchanges.filter((e) => path.test(e.path));
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    server?.closeAllConnections();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private record(
    req: { method?: string; url?: string; headers: Record<string, string | string[] | undefined> },
    wire: Buffer,
    status: number,
    reply: Buffer,
  ): void {
    const header = (name: string) => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : null;
    };
    const gzipped = /gzip/i.test(header('content-encoding') ?? '');
    this.exchanges.push({
      at: Date.now() - this.started,
      method: req.method ?? '',
      path: req.url ?? '',
      userAgent: header('user-agent'),
      contentType: header('content-type'),
      contentEncoding: header('content-encoding'),
      wireBytes: wire.length,
      body: (gzipped && wire.length > 0 ? gunzipSync(wire) : wire).toString('utf8'),
      status,
      reply: reply.toString('utf8'),
    });
  }
}
