// Request bodies: JSON only, optionally gzip-compressed, with the size limit applied AFTER decompression.
// The limit is the route's own `bodyLimit` where it sets one (decision-log uploads), else `limitBytes`.
//
// A gzip bomb (a few KB that inflate to gigabytes) is stopped as soon as the inflated size passes the limit:
// the inflater is destroyed at that point, so the gateway never holds or even produces more than
// `limit` bytes, and answers 413 at once. (Fastify's own check would answer 413 too, but leaves the
// inflater running to the end.)
import { Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatewayError } from './errors';

export interface RequestBodyOptions {
  limitBytes: number;
  /** Called once the whole body has arrived (inflated), before it waits for its work turn. */
  onBody?: (request: FastifyRequest) => void;
}

/**
 * Whether the text could spell a `__proto__` key: the word itself, or an escape of one of its letters
 * (`_`, `p`, `r`, `o`, `t`: `\u005f`, `\u0070`, ...). OPA escapes `<`, `>` and `&` as `\u003c`...; those
 * alone do not start the walk. Two native substring searches: on a 71 KB real report the regular
 * expression `__proto__|\\u00(?:5[fF]|6[fF]|7[024])` cost about 2% of the gateway's CPU.
 */
function couldSpellProto(text: string): boolean {
  if (text.includes('__proto__')) return true;
  for (let at = text.indexOf('\\u00'); at !== -1; at = text.indexOf('\\u00', at + 4)) {
    const high = text.charCodeAt(at + 4);
    const low = text.charCodeAt(at + 5) | 0x20; // lower case
    if (high === 0x35 && low === 0x66) return true; // 5f: _
    if (high === 0x36 && low === 0x66) return true; // 6f: o
    if (high === 0x37 && (low === 0x30 || low === 0x32 || low === 0x34)) return true; // 70 72 74: p r t
  }
  return false;
}

export function registerRequestBody(app: FastifyInstance, { limitBytes, onBody }: RequestBodyOptions): void {
  app.removeAllContentTypeParsers();
  // The body stays raw bytes here: each route parses it (parseJson) in its work turn, with its
  // normalization and encoding, so a request is one task (work-turns.ts). Parsed here in a turn of its
  // own, each request's second task queued behind the first tasks of every request read meanwhile, and
  // a burst of 64 was answered only once all 64 had been parsed.
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: limitBytes },
    (request, body, done) => {
      onBody?.(request);
      done(null, body);
    },
  );

  // Callback style: no promise per request for the common case (no Content-Encoding).
  app.addHook('preParsing', (request: FastifyRequest, _reply, payload, done) => {
    const encoding = request.headers['content-encoding']?.trim().toLowerCase();
    if (encoding === undefined || encoding === '' || encoding === 'identity') {
      done(null, payload);
      return;
    }
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      done(
        new GatewayError(
          'UNSUPPORTED_CONTENT_ENCODING',
          `Content-Encoding ${JSON.stringify(encoding)} is not supported; use gzip or none`,
        ),
      );
      return;
    }
    done(null, inflateWithLimit(payload, request.routeOptions.bodyLimit ?? limitBytes));
  });
}

/**
 * JSON.parse with a precise error; refuses `__proto__` object keys anywhere (OPA never sends them; the
 * API document says so). The walk runs only when the text could spell such a key, escaped or not.
 */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) throw new GatewayError('EMPTY_BODY', 'body is empty; a JSON object is expected');
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new GatewayError('MALFORMED_JSON', `body is not valid JSON: ${(err as Error).message}`);
  }
  if (couldSpellProto(text) && hasProtoKey(value))
    throw new GatewayError('MALFORMED_JSON', 'the key "__proto__" is not allowed');
  return value;
}

/** Whether a parsed JSON value holds an object with an own `__proto__` key (JSON.parse makes it data). */
function hasProtoKey(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasProtoKey);
  if (Object.hasOwn(value, '__proto__')) return true;
  for (const key in value) if (hasProtoKey((value as Record<string, unknown>)[key])) return true;
  return false;
}

type Payload = NodeJS.ReadableStream & { receivedEncodedLength?: number };

// zlib's default output chunk is 16 KiB: a 32 KB decision-log upload inflates to about 300 KB, 19 chunks,
// each a thread-pool round trip, a buffer and a callback (zlib's processCallback was 8% of the gateway's
// CPU on /logs). 64 KiB chunks take a quarter of those; a status update (4-70 KB) takes one or two.
const INFLATE_CHUNK_BYTES = 64 * 1024;

function inflateWithLimit(payload: Payload, limit: number): Transform & { receivedEncodedLength: number } {
  const gunzip = createGunzip({ chunkSize: INFLATE_CHUNK_BYTES });
  let inflated = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, callback: TransformCallback) {
      inflated += chunk.length;
      if (inflated > limit) {
        gunzip.destroy();
        payload.unpipe(gunzip);
        payload.resume(); // drain what the client still sends, without inflating it
        callback(
          new GatewayError('BODY_TOO_LARGE', `body inflates to more than the limit of ${limit} bytes`),
        );
        return;
      }
      callback(null, chunk);
    },
  }) as Transform & { receivedEncodedLength: number };
  counted.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => {
    counted.receivedEncodedLength += chunk.length;
  });
  gunzip.on('error', () => {
    if (inflated <= limit) counted.destroy(new GatewayError('INVALID_GZIP', 'body is not valid gzip data'));
  });
  payload.pipe(gunzip).pipe(counted);
  return counted;
}
