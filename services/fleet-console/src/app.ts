// Builds the console's HTTP app without starting it (tests drive it with inject()).
//
// The page (static files, open: it must load to ask for a token) and a read-only JSON API behind the
// optional bearer token:
//   GET /api/queries                  the documented queries, their parameters and defaults
//   GET /api/queries/<name>?<param>=  the rows of one documented query (typed parameters, no SQL)
//   GET /api/ingestion-health         consumer lag, dead letters, sink health from the services' /metrics
// plus /healthz, /readyz (ClickHouse answers) and /metrics. Every failure is answered by one error handler.
import type { ClickHouseClient } from '@opa-fleet/clickhouse';
import {
  checkReadiness,
  createBearerTokenCheck,
  type Logger,
  type ReadinessChecks,
  type Registry,
} from '@opa-fleet/runtime';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ConsoleConfig } from './config';
import { ConsoleError } from './console-error';
import { type DocumentedQueries, loadDocumentedQueries, sqlForRequest } from './documented-queries';
import { scrapeIngestionHealth } from './ingestion-scraper';
import { createConsoleMetrics } from './metrics';
import { loadStaticFiles } from './static-files';

export interface ConsoleDeps {
  config: ConsoleConfig;
  logger: Logger;
  registry: Registry;
  clickhouse: ClickHouseClient;
  /** Defaults to the files in schemas/clickhouse/queries. */
  queries?: DocumentedQueries;
  readiness?: ReadinessChecks;
}

export function buildApp(deps: ConsoleDeps): FastifyInstance {
  const { config, clickhouse } = deps;
  const queries = deps.queries ?? loadDocumentedQueries();
  const files = loadStaticFiles();
  const metrics = createConsoleMetrics(deps.registry);
  const auth = createBearerTokenCheck(config.authTokens);
  const log = deps.logger.child(
    { component: 'http' },
    { serializers: { req: (req: FastifyRequest) => ({ method: req.method, url: req.url, id: req.id }) } },
  );
  for (const query of queries.values()) {
    if (query.notServed)
      log.warn({ query: query.name, reason: query.notServed }, 'documented query not served');
  }
  const readiness: ReadinessChecks = {
    clickhouse: async () => (await clickhouse.ping()).success,
    ...deps.readiness,
  };

  const app = Fastify({ loggerInstance: log as FastifyBaseLogger, disableRequestLogging: true });

  app.setErrorHandler((err, request, reply) => {
    const route = routeOf(request);
    const known =
      err instanceof ConsoleError
        ? err
        : (err as { statusCode?: number }).statusCode === 404
          ? new ConsoleError('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`)
          : null;
    if (!known) {
      log.error({ err, route, reqId: request.id }, 'request failed');
      metrics.rejected.inc({ route, reason: 'INTERNAL' });
      return reply.code(500).send({ code: 'INTERNAL', message: 'internal error', param: null });
    }
    log.info({ code: known.code, param: known.param, route, reqId: request.id }, 'request refused');
    metrics.rejected.inc({ route, reason: known.code });
    if (known.statusCode === 401) reply.header('www-authenticate', 'Bearer realm="fleet-console"');
    return reply.code(known.statusCode).send(known.toBody());
  });
  app.setNotFoundHandler((request) => {
    throw new ConsoleError('NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`);
  });
  app.addHook('onResponse', (request, reply, done) => {
    metrics.requests.inc({ route: routeOf(request), code: reply.statusCode });
    done();
  });
  app.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      reply.header('allow', 'GET, HEAD');
      done(
        new ConsoleError('METHOD_NOT_ALLOWED', `${request.method} is not allowed: the console is read-only`),
      );
      return;
    }
    // By the matched route, not the raw URL: however a path is spelled, an API route checks the token.
    if ((request.routeOptions.url ?? request.url).startsWith('/api/')) {
      const verdict = auth.verify(request.headers.authorization);
      if (verdict === 'missing') {
        done(new ConsoleError('MISSING_TOKEN', 'the API requires "Authorization: Bearer <token>"'));
        return;
      }
      if (verdict === 'invalid') {
        done(new ConsoleError('INVALID_TOKEN', 'the bearer token is not valid'));
        return;
      }
    }
    done();
  });

  for (const [url, file] of files) {
    app.get(url, (_request, reply) =>
      reply.header('content-type', file.contentType).header('cache-control', 'no-cache').send(file.body),
    );
  }

  app.get('/api/queries', () => ({
    queries: [...queries.values()].map((q) => ({
      name: q.name,
      description: q.description,
      served: q.notServed === null,
      params: q.params.map((p) => ({ ...p, default: config.paramDefaults[p.name] ?? null })),
    })),
  }));

  app.get<{ Params: { name: string } }>('/api/queries/:name', async (request) => {
    const { name } = request.params;
    const sql = sqlForRequest(queries, name, textValues(request.query), config.paramDefaults);
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await clickhouse.query({ query: sql, format: 'JSONEachRow' });
      const rows = await result.json<Record<string, unknown>>();
      metrics.queryDuration.observe({ query: name, outcome: 'ok' }, seconds());
      return { query: name, rows, seconds: seconds() };
    } catch (err) {
      metrics.queryDuration.observe({ query: name, outcome: 'error' }, seconds());
      log.warn({ err, query: name }, 'documented query failed');
      const code = (err as { code?: string }).code;
      throw new ConsoleError(
        'QUERY_FAILED',
        `ClickHouse did not answer ${name}${code ? ` (code ${code})` : ''}`,
      );
    }
  });

  app.get('/api/ingestion-health', async () => ({
    services: await scrapeIngestionHealth(config.metricsTargets, config.scrapeTimeoutMs, (target, ok) =>
      metrics.scrapes.inc({ target: target.name, outcome: ok ? 'ok' : 'error' }),
    ),
  }));

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const result = await checkReadiness(readiness);
    return reply
      .code(result.ready ? 200 : 503)
      .send({ status: result.ready ? 'ready' : 'not ready', checks: result.checks });
  });
  app.get('/metrics', async (_request, reply) =>
    reply.header('content-type', deps.registry.contentType).send(await deps.registry.metrics()),
  );

  return app;
}

/** Query-string values as text; a parameter given twice is refused (which one would count?). */
function textValues(query: unknown): Record<string, string> {
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') {
      throw new ConsoleError('INVALID_PARAM', `${name} is given more than once`, name);
    }
    values[name] = value;
  }
  return values;
}

/** The route pattern (bounded label values), not the URL. */
function routeOf(request: FastifyRequest): string {
  return request.routeOptions.url ?? 'unrouted';
}
