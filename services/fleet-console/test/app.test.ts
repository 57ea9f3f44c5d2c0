// The console's HTTP app through inject(): what it refuses before ClickHouse is ever asked (the client
// points at a closed port), its static files, the query listing and the bearer token.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClickHouseClient } from '@opa-fleet/clickhouse';
import { createLogger, createMetrics } from '@opa-fleet/runtime';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app';
import { loadConsoleConfig } from '../src/config';

const TOKEN = 'console-secret-1';

function build(env: Record<string, string> = {}): FastifyInstance {
  const config = loadConsoleConfig({ CLICKHOUSE_URL: 'http://127.0.0.1:1', METRICS_TARGETS: '', ...env });
  const clickhouse = createClickHouseClient({ ...config.clickhouse, requestTimeoutMs: 1000 });
  const app = buildApp({
    config,
    logger: createLogger('fleet-console', { level: 'silent' }),
    registry: createMetrics('fleet-console'),
    clickhouse,
  });
  app.addHook('onClose', () => clickhouse.close());
  return app;
}

let open: FastifyInstance;
let guarded: FastifyInstance;
beforeAll(() => {
  open = build();
  guarded = build({ CONSOLE_AUTH_TOKENS: `${TOKEN},another` });
});
afterAll(async () => {
  await open.close();
  await guarded.close();
});

const get = (app: FastifyInstance, url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

describe('documented queries only, with typed parameters', () => {
  it('404 UNKNOWN_QUERY for a name that is no query file', async () => {
    const res = await get(open, '/api/queries/drop-everything');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({
      code: 'UNKNOWN_QUERY',
      message: 'no documented query "drop-everything"',
      param: null,
    });
  });

  it.each([
    ['not a number', 'silent_minutes=abc', 'INVALID_PARAM'],
    ['negative', 'silent_minutes=-5', 'INVALID_PARAM'],
    ['over UInt32', 'silent_minutes=4294967296', 'INVALID_PARAM'],
    ['a fraction', 'silent_minutes=1.5', 'INVALID_PARAM'],
    ['SQL in a number', 'silent_minutes=1%20OR%201%3D1', 'INVALID_PARAM'],
    ['given twice', 'silent_minutes=5&silent_minutes=6', 'INVALID_PARAM'],
    ['an undeclared parameter', 'silent_minutes=5&database=system', 'UNKNOWN_PARAM'],
  ])('400 for a parameter that is %s', async (_what, query, code) => {
    const res = await get(open, `/api/queries/instances-stopped-reporting?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code });
    expect(res.json().param).toMatch(/^(silent_minutes|database)$/);
  });

  it('400 MISSING_PARAM when a parameter without default is left out', async () => {
    const res = await get(open, '/api/queries/latest-status-of-instance');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      code: 'MISSING_PARAM',
      message: 'latest-status-of-instance needs instance_id (String)',
      param: 'instance_id',
    });
  });

  it('400 for a String parameter longer than any instance id', async () => {
    const res = await get(open, `/api/queries/latest-status-of-instance?instance_id=${'x'.repeat(257)}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('INVALID_PARAM');
  });

  it('502 QUERY_FAILED (not a crash) when ClickHouse does not answer a valid request', async () => {
    const res = await get(open, '/api/queries/share-on-latest-release');
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ code: 'QUERY_FAILED', param: null });
  });

  it('lists every query file with its parameters and their defaults (CONSOLE_SILENT_MINUTES)', async () => {
    const app = build({ CONSOLE_SILENT_MINUTES: '45' });
    try {
      const { queries } = (await get(app, '/api/queries')).json() as {
        queries: { name: string; description: string; params: unknown[] }[];
      };
      expect(queries.map((q) => q.name)).toEqual(
        expect.arrayContaining([
          'out-of-date-instances',
          'share-on-latest-release',
          'failed-bundles-last-hour',
        ]),
      );
      expect(queries.find((q) => q.name === 'instances-stopped-reporting')!.params).toEqual([
        { name: 'silent_minutes', type: 'UInt32', default: '45' },
      ]);
      expect(queries.find((q) => q.name === 'latest-status-of-instance')!.params).toEqual([
        { name: 'instance_id', type: 'String', default: null },
      ]);
      expect(queries.every((q) => q.description.length > 20)).toBe(true);
    } finally {
      await app.close();
    }
  });
});

describe('bearer token (CONSOLE_AUTH_TOKENS)', () => {
  it.each(['/api/queries', '/api/queries/share-on-latest-release', '/api/ingestion-health'])(
    '401 MISSING_TOKEN on %s without a token, with WWW-Authenticate',
    async (url) => {
      const res = await get(guarded, url);
      expect(res.statusCode).toBe(401);
      expect(res.json().code).toBe('MISSING_TOKEN');
      expect(res.headers['www-authenticate']).toBe('Bearer realm="fleet-console"');
    },
  );

  it('401 INVALID_TOKEN for a token that is not configured', async () => {
    const res = await get(guarded, '/api/queries', { authorization: 'Bearer wrong' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('INVALID_TOKEN');
  });

  it.each(['/%61pi/queries', '/api/queries/', '/api//queries', '/api/queries/%73hare-on-latest-release'])(
    'no other spelling of an API path gets past the token: %s',
    async (url) => {
      const res = await get(guarded, url);
      expect([401, 404]).toContain(res.statusCode);
      expect(res.statusCode === 404 ? res.json().code : 'MISSING_TOKEN').toMatch(/NOT_FOUND|MISSING_TOKEN/);
      expect(res.body).not.toContain('rows');
    },
  );

  it('checks the token before the parameters (nothing about a query is told without one)', async () => {
    const res = await get(guarded, '/api/queries/nope?x=1');
    expect(res.statusCode).toBe(401);
  });

  it('any configured token opens the API', async () => {
    for (const token of [TOKEN, 'another']) {
      const res = await get(guarded, '/api/queries', { authorization: `Bearer ${token}` });
      expect(res.statusCode).toBe(200);
    }
    const res = await get(guarded, '/api/queries/nope', { authorization: `bearer ${TOKEN}` });
    expect(res.statusCode).toBe(404);
  });

  it('the page itself and the ops endpoints stay open (the page asks for the token)', async () => {
    for (const url of ['/', '/console.js', '/vendor/uPlot.iife.min.js', '/healthz', '/metrics']) {
      expect((await get(guarded, url)).statusCode, url).toBe(200);
    }
  });
});

describe('the page and the ops endpoints', () => {
  it('serves the page, its script and the charting library from node_modules', async () => {
    const page = await get(open, '/');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.body).toContain('<script src="/vendor/uPlot.iife.min.js"></script>');
    const uplot = await get(open, '/vendor/uPlot.iife.min.js');
    expect(uplot.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(uplot.body).toContain('uPlot');
    expect((await get(open, '/vendor/uPlot.min.css')).statusCode).toBe(200);
    expect((await get(open, '/console.css')).statusCode).toBe(200);
  });

  it('404 NOT_FOUND for anything else, 405 for writes (read-only)', async () => {
    const res = await get(open, '/etc/passwd');
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('NOT_FOUND');
    const post = await open.inject({
      method: 'POST',
      url: '/api/queries/share-on-latest-release',
      payload: {},
    });
    expect(post.statusCode).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('/readyz is 503 while ClickHouse does not answer; /metrics counts refusals by reason', async () => {
    const ready = await get(open, '/readyz');
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ status: 'not ready', checks: { clickhouse: false } });
    await get(open, '/api/queries/nope');
    const metrics = (await get(open, '/metrics')).body;
    expect(metrics).toMatch(
      /console_requests_rejected_total\{route="\/api\/queries\/:name",reason="UNKNOWN_QUERY",service="fleet-console"\} [1-9]/,
    );
  });

  it('ingestion health says a service whose /metrics does not answer is down, with the reason', async () => {
    // A port nothing listens on (fetch refuses port 1 outright, as a "bad port").
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const app = build({ METRICS_TARGETS: `status-loader=http://127.0.0.1:${port}/metrics` });
    try {
      const { services } = (await get(app, '/api/ingestion-health')).json() as {
        services: { name: string; up: boolean; error: string; consumerLag: number | null }[];
      };
      expect(services).toEqual([
        expect.objectContaining({
          name: 'status-loader',
          up: false,
          error: 'ECONNREFUSED',
          consumerLag: null,
        }),
      ]);
    } finally {
      await app.close();
    }
  });
});
