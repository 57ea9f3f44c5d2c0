// Builds the gateway's HTTP app without starting it (tests drive it with inject()).
//
// Every report takes the same visible path:  parse (content parser) -> envelope -> normalize -> encode
// -> produce (reply only after Kafka acknowledged) -> reply.  Every failure on the way is answered by
// ONE error handler through http-errors.ts.
import { randomUUID } from 'node:crypto';
import {
  type ClientPlatform,
  type Limits,
  type NormalizeContext,
  normalizeStatus,
  normalizeTelemetry,
  type ReleaseInfo,
  statusCodecWriting,
  telemetryCodec,
} from '@opa-fleet/contracts';
import { type BatchingProducer, KafkaError, topicNames } from '@opa-fleet/kafka';
import { latestReleaseReply } from '@opa-fleet/releases';
import { checkReadiness, type Logger, type ReadinessChecks, type Registry } from '@opa-fleet/runtime';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { createTokenCheck } from './auth';
import type { GatewayConfig } from './config';
import { GatewayError } from './errors';
import { toHttpError } from './http-errors';
import { createGatewayMetrics, type GatewayMetrics } from './metrics';
import { openApiDocument } from './openapi';
import { registerRequestBody } from './request-body';
import type { StatusTopics } from './status-topics';

/** What the gateway needs of the releases view (releases-view.ts implements it over the releases topic). */
export interface ReleasesSource {
  latest(channel?: string): ReleaseInfo | null;
  ready(): boolean;
}

export interface GatewayDeps {
  config: GatewayConfig;
  logger: Logger;
  registry: Registry;
  producer: Pick<BatchingProducer, 'send' | 'isConnected'>;
  releases: ReleasesSource;
  statusTopics: StatusTopics;
  /** Checks added to Kafka and releases for /readyz. */
  readiness?: ReadinessChecks;
  limits?: Partial<Limits>;
}

type Kind = 'telemetry' | 'status';

const REPORT_PATHS = ['/v1/version', '/status', '/status/', '/status/:partition'];

export function buildApp(deps: GatewayDeps): FastifyInstance {
  const { config, producer, releases, statusTopics } = deps;
  // Passed as given: without overrides normalization uses DEFAULT_LIMITS as is, no merge per report.
  const limits = deps.limits;
  const topics = topicNames(config.topicPrefix);
  const metrics = createGatewayMetrics(deps.registry);
  // Writes the configured status schema version (STATUS_SCHEMA_VERSION; rolling upgrades).
  const statusWriter = statusCodecWriting(config.statusSchemaVersion);
  const auth = createTokenCheck(config.authTokens);
  const log = deps.logger.child(
    { component: 'http' },
    // Never log client addresses: requests are serialized without remote address, port or host.
    { serializers: { req: (req: FastifyRequest) => ({ method: req.method, url: req.url, id: req.id }) } },
  );
  let inFlight = 0;
  let closing = false;

  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // No per-request log lines: they would cost more than the request at load, and carry addresses.
    logController: new LogController({ disableRequestLogging: true }),
    // No child logger per request either (a pino child per report showed in the profile): the few lines a
    // request logs name its id themselves (sendError).
    childLoggerFactory: (logger) => logger,
    trustProxy: false,
    bodyLimit: config.bodyLimitBytes,
    // Partition names arrive percent-encoded (up to 12 bytes per character); longer ones must still reach
    // the policy to get a precise 400 rather than a 404.
    routerOptions: { maxParamLength: 8192 },
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    frameworkErrors: (err, request, reply) => sendError(err, request, reply),
  });

  registerRequestBody(app, { limitBytes: config.bodyLimitBytes });
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
  app.setNotFoundHandler((request, reply) =>
    sendError(
      new GatewayError('NOT_FOUND', `no route for ${request.method} ${pathOf(request)}`),
      request,
      reply,
    ),
  );
  // Callback-style hooks: no promise per request on the hot path.
  app.addHook('onResponse', (request, reply, done) => {
    const route = routeOf(request);
    metrics.requests.inc({ route, method: request.method, code: reply.statusCode });
    metrics.duration.observe({ route }, reply.elapsedTime / 1000);
    done();
  });
  app.addHook('preClose', async () => {
    closing = true;
  });
  // While closing, every answer ends its keep-alive connection, or server.close() would wait for the
  // clients to hang up (in-flight requests were busy when idle connections were closed).
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });

  function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const http = toHttpError(err, config.retryAfterSeconds);
    const reqId = request.id;
    if (!http.expected) log.error({ err, reqId }, 'request failed');
    else if (http.statusCode >= 500)
      log.warn({ code: http.body.code, route: routeOf(request), reqId }, 'report refused');
    // Rejected input: what and where, never the client's address.
    else
      log.info(
        { code: http.body.code, path: http.body.path, route: routeOf(request), reqId },
        'report rejected',
      );
    metrics.rejected.inc({ route: routeOf(request), reason: http.body.code });
    if (http.body.code === 'METHOD_NOT_ALLOWED') reply.header('allow', 'POST');
    return reply.code(http.statusCode).headers(http.headers).send(http.body);
  }

  // ---- reports -------------------------------------------------------------------------------------------

  /** Load shedding before the body is read: a bound on concurrent report requests. */
  function admit(_request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    if (closing) {
      done(new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down; retry on another instance'));
      return;
    }
    if (inFlight >= config.maxInFlightRequests) {
      done(
        new GatewayError(
          'OVERLOADED',
          `more than ${config.maxInFlightRequests} requests in flight; retry later`,
        ),
      );
      return;
    }
    // Without a Kafka connection nothing can be acknowledged: answer at once, before reading the body.
    if (!producer.isConnected()) {
      done(new KafkaError('KAFKA_UNAVAILABLE', 'not connected to Kafka', { retriable: true }));
      return;
    }
    inFlight += 1;
    reply.raw.once('close', () => {
      inFlight -= 1;
    });
    done();
  }

  function authorize(request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
    try {
      auth.check(request.headers.authorization);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  function envelope(request: FastifyRequest, partition: string | null): NormalizeContext {
    return {
      eventId: randomUUID(),
      receivedAt: Date.now() * 1000,
      gatewayId: config.gatewayId,
      userAgent: request.headers['user-agent'],
      partition,
    };
  }

  async function produce(kind: Kind, topic: string, key: string, value: Buffer, request: FastifyRequest) {
    const started = performance.now();
    await producer.send({ topic, key, value });
    metrics.produce.observe({ kind }, (performance.now() - started) / 1000);
    metrics.producedBytes.inc({ kind }, value.length);
    const length = Number(request.headers['content-length']);
    if (length > 0) metrics.receivedBytes.inc({ kind }, length);
  }

  async function postVersion(request: FastifyRequest) {
    const context = envelope(request, null);
    const report = normalizeTelemetry(bodyOf(request), context, limits);
    const record = telemetryCodec.encode(report);
    await produce('telemetry', topics.telemetry, report.id, record, request);
    metrics.accepted.inc({ kind: 'telemetry', route: 'default' });
    return versionReply(report.client, report.version);
  }

  function versionReply(client: ClientPlatform, version: string) {
    return latestReleaseReply(releases.latest(config.releasesChannel), client, version);
  }

  async function postStatus(request: FastifyRequest) {
    const route = await statusTopics.route(partitionOf(request));
    const context = envelope(request, route.partition);
    const report = normalizeStatus(bodyOf(request), context, limits);
    const record = statusWriter.encode(report);
    await produce('status', route.topic, report.labels.id, record, request);
    metrics.accepted.inc({ kind: 'status', route: route.kind });
    return { event_id: report.event_id };
  }

  app.register(async (reports) => {
    reports.addHook('onRequest', admit);
    reports.post('/v1/version', postVersion);
    reports.register(async (status) => {
      if (auth.enabled) status.addHook('onRequest', authorize);
      status.post('/status', postStatus);
      status.post('/status/', postStatus);
      status.post('/status/:partition', postStatus);
      // An unencoded `/` in the name (`/status/a/b`, as OPA sends a partition name containing `/`).
      status.post('/status/*', postStatus);
    });
    reports.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
      url: '/v1/version',
      handler: methodNotAllowed,
    });
    for (const url of REPORT_PATHS.slice(1)) {
      reports.route({ method: ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'], url, handler: methodNotAllowed });
    }
  });

  // ---- operations ----------------------------------------------------------------------------------------

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const result = await checkReadiness({
      kafka: () => producer.isConnected(),
      releases: () => releases.ready(),
      ...deps.readiness,
      accepting: () => !closing,
    });
    return reply
      .code(result.ready ? 200 : 503)
      .send({ status: result.ready ? 'ready' : 'not ready', ...result });
  });
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.registry.metrics();
    return reply.header('content-type', deps.registry.contentType).send(text);
  });
  app.get('/openapi.json', async () => openApiDocument);

  return app;
}

async function methodNotAllowed(request: FastifyRequest): Promise<never> {
  throw new GatewayError('METHOD_NOT_ALLOWED', `${request.method} is not allowed here; use POST`);
}

function bodyOf(request: FastifyRequest): unknown {
  if (request.body === undefined)
    throw new GatewayError('EMPTY_BODY', 'body is empty; a JSON object is expected');
  return request.body;
}

/**
 * `/status` and `/status/` -> null; `/status/a%2Fb` and `/status/a/b` -> `a/b` (decoded by the router).
 * An empty path segment (`/status//`, `/status/a//b`, `/status/a/`) is an empty name part: refused.
 */
function partitionOf(request: FastifyRequest): string | null {
  const params = request.params as { partition?: string; '*'?: string } | undefined;
  if (params?.partition !== undefined) return params.partition;
  const rest = params?.['*'];
  if (rest === undefined) return null;
  if (rest === '' || rest.startsWith('/') || rest.endsWith('/') || rest.includes('//')) {
    throw new GatewayError('INVALID_PARTITION', 'partition name is empty or has an empty path segment');
  }
  return rest;
}

function routeOf(request: FastifyRequest): string {
  return request.routeOptions?.url ?? 'unmatched';
}

function pathOf(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  return q === -1 ? request.url : request.url.slice(0, q);
}

export type { GatewayMetrics };
