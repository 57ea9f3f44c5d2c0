// THE place where every failure becomes an HTTP answer: `{code, message, path}` plus status and headers.
// Sources: ContractError (the report does not fit), KafkaError (Kafka unavailable/slow/overloaded),
// GatewayError (the gateway's own checks) and Fastify's errors (body parsing, limits, routing).
import { ContractError } from '@opa-fleet/contracts';
import { KafkaError } from '@opa-fleet/kafka';
import { GatewayError, type GatewayErrorCode } from './errors';

export interface HttpErrorBody {
  code: string;
  message: string;
  path: string | null;
}

export interface HttpError {
  statusCode: number;
  body: HttpErrorBody;
  headers: Record<string, string>;
  /** False for 5xx the gateway did not expect (logged as errors). */
  expected: boolean;
}

const GATEWAY_STATUS: Record<GatewayErrorCode, number> = {
  UNSUPPORTED_MEDIA_TYPE: 415,
  UNSUPPORTED_CONTENT_ENCODING: 415,
  INVALID_GZIP: 400,
  BODY_TOO_LARGE: 413,
  MALFORMED_JSON: 400,
  EMPTY_BODY: 400,
  MALFORMED_URL: 400,
  INVALID_PARTITION: 400,
  PARTITION_NOT_ALLOWED: 403,
  PARTITION_LIMIT_REACHED: 403,
  MISSING_TOKEN: 401,
  INVALID_TOKEN: 401,
  INVALID_QUERY: 400,
  NOT_FOUND: 404,
  RELEASE_UNKNOWN: 503,
  METHOD_NOT_ALLOWED: 405,
  OVERLOADED: 503,
  SHUTTING_DOWN: 503,
};

/** Fastify's own error codes that reach the error handler, as our codes. */
const FASTIFY_CODES: Record<string, { code: GatewayErrorCode; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'BODY_TOO_LARGE', message: 'request body is larger than the limit' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'only application/json is accepted',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'MALFORMED_JSON',
    message: 'body length does not match Content-Length',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'EMPTY_BODY', message: 'body is empty; a JSON object is expected' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'MALFORMED_JSON', message: 'body is not valid JSON' },
  FST_ERR_BAD_URL: { code: 'MALFORMED_URL', message: 'the URL path is not valid percent-encoded UTF-8' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'NOT_FOUND', message: 'no such route' },
};

export function toHttpError(err: unknown, retryAfterSeconds: number): HttpError {
  if (err instanceof ContractError) {
    return reject(400, { code: err.code, message: err.detail, path: err.path });
  }
  if (err instanceof GatewayError) {
    const statusCode = GATEWAY_STATUS[err.code];
    const headers: Record<string, string> = {};
    if (statusCode === 503) headers['retry-after'] = String(retryAfterSeconds);
    if (err.code === 'MISSING_TOKEN' || err.code === 'INVALID_TOKEN') {
      headers['www-authenticate'] = err.code === 'MISSING_TOKEN' ? 'Bearer' : 'Bearer error="invalid_token"';
    }
    return {
      statusCode,
      body: { code: err.code, message: err.message, path: err.path },
      headers,
      expected: true,
    };
  }
  if (err instanceof KafkaError) {
    // Retriable or not, the client did nothing wrong: tell it to come back (OPA retries status updates).
    return {
      statusCode: 503,
      body: { code: err.code, message: 'Kafka is unavailable or too slow; retry later', path: null },
      headers: { 'retry-after': String(retryAfterSeconds) },
      // A producer that is closing refuses new sends: expected while the gateway shuts down with
      // requests still in flight (a long decision-log chunk), not an error to page anyone for.
      expected: err.retriable || err.code === 'PRODUCER_CLOSED',
    };
  }
  const fastify = err as { code?: string; statusCode?: number; message?: string };
  const known = fastify?.code ? FASTIFY_CODES[fastify.code] : undefined;
  if (known) {
    // Fastify's JSON error names the position; keep that detail.
    const message =
      fastify.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ? jsonDetail(fastify.message) : known.message;
    return reject(GATEWAY_STATUS[known.code], { code: known.code, message, path: null });
  }
  if (typeof fastify?.statusCode === 'number' && fastify.statusCode >= 400 && fastify.statusCode < 500) {
    return reject(fastify.statusCode, {
      code: 'BAD_REQUEST',
      message: fastify.message ?? 'bad request',
      path: null,
    });
  }
  return {
    statusCode: 500,
    body: { code: 'INTERNAL', message: 'internal error', path: null },
    headers: {},
    expected: false,
  };
}

function reject(statusCode: number, body: HttpErrorBody): HttpError {
  return { statusCode, body, headers: {}, expected: true };
}

function jsonDetail(message: string | undefined): string {
  return message ? `body is not valid JSON: ${message}` : 'body is not valid JSON';
}
