// Builds the gateway's HTTP app without starting it (tests drive it with inject()).
//
// Every report takes the same visible path:  body (content parser) -> envelope -> parse, normalize,
// encode (report-work.ts, in a work thread) -> produce (reply only after Kafka acknowledged) -> reply.  A GitHub-style version check (OPA 1.7+):
// repository -> release -> reply body and entity tag -> record -> produce -> reply (200, 304 or 503).
// Every failure on the way is answered by ONE error handler through http-errors.ts.
import { randomUUID } from 'node:crypto';
import {
  type ClientPlatform,
  DEFAULT_LIMITS,
  type Limits,
  type NormalizeContext,
  parseUserAgent,
  type RejectedDecisionEvent,
  type ReleaseInfo,
  resolveLimits,
  type VersionCheck,
  versionCheckCodec,
} from '@opa-fleet/contracts';
import {
  type BatchingProducer,
  DEAD_LETTER_HEADERS,
  KafkaError,
  type OutgoingMessage,
  topicNames,
} from '@opa-fleet/kafka';
import {
  entityTag,
  GITHUB_NOT_FOUND,
  type GitHubRepository,
  githubReleaseOf,
  latestReleaseReply,
  matchesIfNoneMatch,
} from '@opa-fleet/releases';
import { checkReadiness, type Logger, type ReadinessChecks, type Registry } from '@opa-fleet/runtime';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { listenFd, readAcceptQueue } from './accept-queue';
import { createAdmission, type Ticket } from './admission';
import { allowedMethodsOf } from './allowed-methods';
import { createTokenCheck } from './auth';
import type { GatewayConfig } from './config';
import { GatewayError } from './errors';
import { sampleEventLoopDelay } from './event-loop-delay';
import { toHttpError } from './http-errors';
import { createGatewayMetrics, type GatewayMetrics } from './metrics';
import { openApiDocument } from './openapi';
import type { PartitionTopics } from './partition-topics';
import { bySize, type ReportWorker, type ReportWorkSettings, reportWorkInTurns } from './report-work';
import { registerRequestBody } from './request-body';
import { createShedLog } from './shed-log';
import { createWorkThreads } from './work-threads';

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
  statusTopics: PartitionTopics;
  /** The decision-log stream's topics (its own cap under the same policy). */
  decisionTopics: PartitionTopics;
  /** Checks added to Kafka and releases for /readyz. */
  readiness?: ReadinessChecks;
  limits?: Partial<Limits>;
}

type Kind = 'telemetry' | 'status' | 'version_check' | 'decision';

/** What a body without Content-Length (chunked) counts against MAX_IN_FLIGHT_BYTES. */
const UNDECLARED_BODY_BYTES = 64 * 1024;
const OVERLOADED_MESSAGE = {
  in_flight_requests: 'too many requests in flight; retry later',
  in_flight_bytes: 'too many request bytes in flight; retry later',
  queue_age: 'requests in flight are waiting too long for their answers; retry later',
} as const;
/** Decision-log uploads: `/logs/a%2Fb` and `/logs/a/b` both mean partition `a/b`, as for status. */
const LOG_PATHS = ['/logs', '/logs/', '/logs/:partition', '/logs/*'];
const RELEASE_PATHS = ['/repos/:owner/:repo/releases/latest', '/repos/:owner/:repo/releases'];
/** A release check may be stored, but must be revalidated each time: every check reaches a gateway. */
const RELEASE_CACHE_CONTROL = 'no-cache';

export function buildApp(deps: GatewayDeps): FastifyInstance {
  const { config, producer, releases, statusTopics, decisionTopics } = deps;
  // Passed as given: without overrides normalization uses DEFAULT_LIMITS as is, no merge per report.
  const limits = deps.limits;
  const maxUserAgentLength = limits?.maxStringLength ?? DEFAULT_LIMITS.maxStringLength;
  const topics = topicNames(config.topicPrefix);
  const admission = createAdmission(config.admission);
  const stopDelaySampling = sampleEventLoopDelay(admission);
  const shedLog = createShedLog(deps.logger, admission);
  const tickets = new WeakMap<FastifyRequest, Ticket>();
  // Parsing, normalization and encoding run in work threads (work-threads.ts: why), small bodies and all
  // of them without threads in short event-loop turns (work-turns.ts). Records are written in the configured status schema version
  // (STATUS_SCHEMA_VERSION; rolling upgrades).
  const workSettings: ReportWorkSettings = {
    statusSchemaVersion: config.statusSchemaVersion,
    limits,
    decisionDropFields: [...config.decisionDropFields],
    logsRecordMaxBytes: config.logsRecordMaxBytes,
  };
  const onLoop = reportWorkInTurns(workSettings, config.workTurnBudgetMs);
  const work: ReportWorker =
    config.workThreads > 0
      ? bySize(
          onLoop,
          createWorkThreads({ threads: config.workThreads, settings: workSettings, logger: deps.logger }),
          config.workThreadMinBytes,
        )
      : onLoop;
  // The queue in front of everything (accept-queue.ts), read at scrape time from the listening socket.
  const metrics = createGatewayMetrics(deps.registry, admission, work, async () => {
    const fd = listenFd(app.server);
    return fd === null ? null : readAcceptQueue(fd);
  });
  const auth = createTokenCheck(config.authTokens);
  const log = deps.logger.child(
    { component: 'http' },
    // Never log client addresses: requests are serialized without remote address, port or host.
    { serializers: { req: (req: FastifyRequest) => ({ method: req.method, url: req.url, id: req.id }) } },
  );
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
  // The wait for the parsing turn counts in the admission's measured latency: it starts at the body's arrival.
  registerRequestBody(app, {
    limitBytes: config.bodyLimitBytes,
    onBody: (request) => tickets.get(request)?.bodyReceived(),
  });
  app.setErrorHandler((err, request, reply) => sendError(err, request, reply));
  // No route for this method and path: answered on request, before Fastify looks at the body (a QUERY
  // without Content-Type would otherwise be a 400). The not-found handler is the same answer, in reserve.
  app.addHook('onRequest', (request, reply, done) => {
    if (request.is404) answerUnrouted(request, reply);
    else done();
  });
  app.setNotFoundHandler((request, reply) => answerUnrouted(request, reply));
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
  app.addHook('onClose', async () => {
    stopDelaySampling();
    // After the requests in flight were answered: their work is done.
    await work.close();
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
    else if (http.statusCode >= 500) {
      // Shed requests are logged by shedLog, rate-limited.
      if (http.body.code !== 'OVERLOADED')
        log.warn({ code: http.body.code, route: routeOf(request), reqId }, 'report refused');
    }
    // Rejected input: what and where, never the client's address.
    else
      log.info(
        { code: http.body.code, path: http.body.path, route: routeOf(request), reqId },
        'report rejected',
      );
    metrics.rejected.inc({ route: routeOf(request), reason: http.body.code });
    return reply.code(http.statusCode).headers(http.headers).send(http.body);
  }

  /** 405 with Allow on a KNOWN path, whatever the method (TRACE, QUERY, ...); else 404. */
  function answerUnrouted(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    const path = pathOf(request);
    const allow = allowedMethodsOf(path);
    if (allow !== null) {
      reply.header('allow', allow);
      const message = `${request.method} is not allowed here; use ${allow}`;
      return sendError(new GatewayError('METHOD_NOT_ALLOWED', message), request, reply);
    }
    // Under /repos/ the gateway stands in for GitHub's API: answer its clients in its words.
    if (path.startsWith('/repos/')) return githubNotFound(request, reply);
    return sendError(new GatewayError('NOT_FOUND', `no route for ${request.method} ${path}`), request, reply);
  }

  function githubNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    metrics.rejected.inc({ route: routeOf(request), reason: 'NOT_FOUND' });
    return reply.code(404).send(GITHUB_NOT_FOUND);
  }

  // ---- reports -------------------------------------------------------------------------------------------

  /**
   * Load shedding before the body is read (admission.ts): a refused request costs its headers, not its body,
   * and is counted and logged at most every few seconds (one line per request would add to the overload).
   */
  function admit(request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void): void {
    if (closing) {
      done(new GatewayError('SHUTTING_DOWN', 'the gateway is shutting down; retry on another instance'));
      return;
    }
    // Without a Kafka connection nothing can be acknowledged: answer at once, before reading the body.
    if (!producer.isConnected()) {
      done(new KafkaError('KAFKA_UNAVAILABLE', 'not connected to Kafka', { retriable: true }));
      return;
    }
    const declared = Number(request.headers['content-length']);
    const admitted = admission.admit(declared >= 0 ? declared : UNDECLARED_BODY_BYTES);
    if (typeof admitted === 'string') {
      metrics.shed.inc({ reason: admitted });
      shedLog.refused(admitted);
      done(new GatewayError('OVERLOADED', OVERLOADED_MESSAGE[admitted]));
      return;
    }
    tickets.set(request, admitted);
    reply.raw.once('close', admitted.release);
    done();
  }

  /**
   * The body has arrived: from now on the request waits on the gateway, not on its client. Seen first by
   * the body parser (registerRequestBody's onBody); this hook covers requests without a body.
   */
  function bodyReceived(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
    tickets.get(request)?.bodyReceived();
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
    const { report, record } = await work.run({ kind: 'telemetry', body: bodyOf(request), context });
    await produce('telemetry', topics.telemetry, report.id, record, request);
    metrics.accepted.inc({ kind: 'telemetry', route: 'default' });
    return versionReply(report.client, report.version);
  }

  function versionReply(client: ClientPlatform, version: string) {
    return latestReleaseReply(releases.latest(config.releasesChannel), client, version);
  }

  // ---- GitHub-style version checks (OPA 1.7 and later) ------------------------------------------------

  async function getReleases(request: FastifyRequest, reply: FastifyReply) {
    const repository = servedRepository(request);
    if (repository === null) return githubNotFound(request, reply);
    const endpoint = routeOf(request).endsWith('/latest') ? 'latest' : 'list';
    const release = releases.latest(config.releasesChannel);
    const page = endpoint === 'list' ? listPage(request.query) : 1;
    const latest = release && githubReleaseOf(release, repository);
    // The list is the view's one release on page 1 (the gateway knows the latest release only).
    const body = endpoint === 'latest' ? latest : page === 1 && latest ? [latest] : [];
    const json = JSON.stringify(body);
    const tag = entityTag(json);
    const notModified = body !== null && matchesIfNoneMatch(request.headers['if-none-match'], tag);
    const check: VersionCheck = {
      event_id: randomUUID(),
      received_at: Date.now() * 1000,
      gateway_id: config.gatewayId,
      repository: `${repository.owner}/${repository.repo}`,
      endpoint,
      user_agent: parseUserAgent(request.headers['user-agent'], maxUserAgentLength).user_agent,
      answered_tag: body === null ? null : (release?.tag ?? null),
      not_modified: notModified,
    };
    await produce(
      'version_check',
      topics.versionChecks,
      check.event_id,
      versionCheckCodec.encode(check),
      request,
    );
    metrics.accepted.inc({ kind: 'version_check', route: endpoint });
    // No release known yet: OPA treats any status but 200 as a failed check ("server replied with HTTP
    // 503"), logs it and asks again later; 503 with Retry-After says exactly that.
    if (body === null) throw new GatewayError('RELEASE_UNKNOWN', 'no OPA release is known yet; retry later');
    reply.header('cache-control', RELEASE_CACHE_CONTROL).header('etag', tag);
    if (notModified) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(json);
  }

  function servedRepository(request: FastifyRequest): GitHubRepository | null {
    const { owner, repo } = request.params as { owner: string; repo: string };
    if (!config.releaseRepositories.includes(`${owner}/${repo}`.toLowerCase())) return null;
    return { owner, repo, apiBase: config.publicUrl ?? `${request.protocol}://${request.host}` };
  }

  async function postStatus(request: FastifyRequest) {
    const route = await statusTopics.route(partitionOf(request));
    const context = envelope(request, route.partition);
    const { id, record } = await work.run({ kind: 'status', body: bodyOf(request), context });
    // While Kafka acknowledges, only the record is held: a real OPA's parsed body and its report are
    // several times the size of its 12 KB record, and hundreds of requests can be waiting at once.
    request.body = undefined;
    await produce('status', route.topic, id, record, request);
    metrics.accepted.inc({ kind: 'status', route: route.kind });
    return { event_id: context.eventId };
  }

  // ---- decision logs ----------------------------------------------------------------------------------

  /**
   * A chunk of decision events: route -> validate each event and write the valid ones as DecisionBatch
   * records in one pass (encodeDecisionChunk) (one per upload, sliced per instance and under LOGS_RECORD_MAX_BYTES; see decision-batch.ts)
   * -> produce them and a dead letter per invalid event -> reply once Kafka has them all. An invalid event
   * does not fail the chunk: OPA would requeue it and retry for ever (see normalize-decision.ts). Any
   * produce failure answers 503, so OPA sends the chunk again; its repeats collapse by decision_id in
   * ClickHouse.
   */
  async function postLogs(request: FastifyRequest) {
    const route = await decisionTopics.route(partitionOf(request));
    const context = {
      receivedAt: Date.now() * 1000,
      gatewayId: config.gatewayId,
      userAgent: request.headers['user-agent'],
      partition: route.partition,
    };
    // About 5 ms of work for a 32 KB upload, as status bodies in a work thread or turn.
    const chunk = await work.run({ kind: 'decisions', body: bodyOf(request), context });
    const records: OutgoingMessage[] = chunk.batches.map((batch) => ({
      topic: route.topic,
      key: batch.key,
      value: batch.value,
    }));
    const letters = chunk.rejected.map((rejected) => deadLetterOf(rejected, route.topic));
    const accepted = chunk.accepted;
    // While the upload waits for Kafka only its records are needed: the parsed chunk (a few MB of
    // objects for a 32 KB upload) is let go, so uploads waiting on a slow broker cost their records'
    // bytes (which the producer bounds), not several times that.
    (request as { body: unknown }).body = null;
    const started = performance.now();
    await Promise.all([...records, ...letters].map((message) => producer.send(message)));
    metrics.produce.observe({ kind: 'decision' }, (performance.now() - started) / 1000);
    metrics.producedBytes.inc(
      { kind: 'decision' },
      records.reduce((n, r) => n + r.value.length, 0),
    );
    const length = Number(request.headers['content-length']);
    if (length > 0) metrics.receivedBytes.inc({ kind: 'decision' }, length);
    metrics.accepted.inc({ kind: 'decision', route: route.kind }, accepted);
    for (const { error } of chunk.rejected) metrics.rejectedEvents.inc({ reason: error.code });
    if (letters.length > 0) {
      const first = chunk.rejected[0]!.error;
      log.info(
        { reqId: request.id, rejected: letters.length, code: first.code, path: first.path },
        'decision events dead-lettered',
      );
    }
    return { accepted, rejected: letters.length };
  }

  /** An invalid event kept verbatim (as JSON) with why it was refused, keyed like its valid neighbours. */
  function deadLetterOf(rejected: RejectedDecisionEvent, originTopic: string): OutgoingMessage {
    const labels = (rejected.event as { labels?: { id?: unknown } } | null)?.labels;
    return {
      topic: topics.deadLetter,
      key: typeof labels?.id === 'string' ? labels.id : null,
      value: Buffer.from(JSON.stringify(rejected.event) ?? 'null'),
      headers: {
        [DEAD_LETTER_HEADERS.topic]: originTopic,
        [DEAD_LETTER_HEADERS.errorCode]: rejected.error.code,
        [DEAD_LETTER_HEADERS.errorMessage]: rejected.error.message.slice(0, 1000),
        [DEAD_LETTER_HEADERS.errorPath]: rejected.error.path ?? '',
        [DEAD_LETTER_HEADERS.gateway]: config.gatewayId,
        [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
      },
    };
  }

  app.register(async (reports) => {
    reports.addHook('onRequest', admit);
    reports.addHook('preHandler', bodyReceived);
    reports.post('/v1/version', postVersion);
    reports.register(async (status) => {
      if (auth.enabled) status.addHook('onRequest', authorize);
      status.post('/status', postStatus);
      status.post('/status/', postStatus);
      status.post('/status/:partition', postStatus);
      // An unencoded `/` in the name (`/status/a/b`, as OPA sends a partition name containing `/`).
      status.post('/status/*', postStatus);
    });
    reports.register(async (logs) => {
      if (auth.enabled) logs.addHook('onRequest', authorize);
      for (const url of LOG_PATHS) logs.post(url, { bodyLimit: config.logsBodyLimitBytes }, postLogs);
    });
    for (const url of RELEASE_PATHS) reports.get(url, getReleases);
  });

  // ---- operations ----------------------------------------------------------------------------------------

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const result = await checkReadiness({
      kafka: () => producer.isConnected(),
      releases: () => releases.ready(),
      work: () => work.ready(),
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
  // Built once, from the configuration and limits this gateway enforces.
  const apiDocument = JSON.stringify(openApiDocument(config, resolveLimits(limits)));
  app.get('/openapi.json', (_request, reply) => {
    reply.type('application/json; charset=utf-8').send(apiDocument);
  });

  return app;
}

/** `page` of the release list (GitHub's query parameter, from 1); `per_page` is accepted as GitHub does. */
function listPage(query: unknown): number {
  const { page, per_page: perPage } = (query ?? {}) as { page?: unknown; per_page?: unknown };
  for (const [name, value] of [
    ['page', page],
    ['per_page', perPage],
  ] as const) {
    if (value !== undefined && !/^[1-9][0-9]{0,8}$/.test(String(value))) {
      throw new GatewayError('INVALID_QUERY', `${name} must be a positive integer`, `$.query.${name}`);
    }
  }
  return page === undefined ? 1 : Number(page);
}

/** The request's body, raw: request-body.ts leaves it so, to be parsed with the rest of the report's work. */
function bodyOf(request: FastifyRequest): Buffer {
  if (!Buffer.isBuffer(request.body))
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
