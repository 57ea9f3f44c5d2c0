// A tiny HTTP server for services without Fastify (loaders): /healthz, /readyz, /metrics.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessChecks } from './readiness';

export interface OpsServerOptions {
  port: number;
  /** Defaults to 0.0.0.0. */
  host?: string;
  registry: Registry;
  /** All must pass for /readyz to answer 200. */
  readiness?: ReadinessChecks;
  logger?: Logger;
}

export interface OpsServer {
  /** The bound port (useful with port 0). */
  readonly port: number;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const { registry, readiness = {}, logger } = options;
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json' });
      res.end(
        JSON.stringify({ code: 'METHOD_NOT_ALLOWED', message: `${req.method} not allowed`, path: null }),
      );
      return;
    }
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok"}');
      return;
    }
    if (path === '/readyz') {
      checkReadiness(readiness).then(
        (result) => {
          res.writeHead(result.ready ? 200 : 503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ status: result.ready ? 'ready' : 'not ready', checks: result.checks }));
        },
        () => {
          res.writeHead(503).end();
        },
      );
      return;
    }
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(text);
        },
        (err: unknown) => {
          logger?.error({ err }, 'metrics collection failed');
          res.writeHead(500).end();
        },
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ code: 'NOT_FOUND', message: `no route ${path}`, path: null }));
  });
  // Ops endpoints are tiny; don't let an idle keep-alive socket hold up shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger?.info({ port }, 'ops server listening');
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
