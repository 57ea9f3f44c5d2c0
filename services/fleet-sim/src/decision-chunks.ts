// Decision events -> the gzipped JSON arrays OPA uploads. OPA's chunk encoder (plugins/logs/encoder.go)
// fills a chunk until it would pass `upload_size_limit_bytes`, a limit on the COMPRESSED body (32768 by
// default), then starts the next; an event that alone does not fit is dropped (OPA logs it and counts it).
// Here each chunk holds, in order, as many events as fit with the gzipped array at or under the limit
// (the gzipped size grows with the number of events, which the search relies on).
import { gzipSync } from 'node:zlib';

/** OPA's default `decision_logs.reporting.upload_size_limit_bytes`. */
export const OPA_UPLOAD_SIZE_LIMIT_BYTES = 32_768;

export interface EncodedChunk {
  /** The gzipped JSON array, as OPA POSTs it (Content-Encoding: gzip). */
  body: Buffer;
  /** Positions of its events in the input (a contiguous range). */
  first: number;
  count: number;
}

export interface EncodedChunks {
  chunks: EncodedChunk[];
  /** Events dropped because one alone, gzipped, is larger than the limit (as OPA drops them). */
  dropped: number;
}

export function encodeDecisionChunks(
  events: readonly unknown[],
  limitBytes: number = OPA_UPLOAD_SIZE_LIMIT_BYTES,
): EncodedChunks {
  const texts = events.map((e) => JSON.stringify(e));
  const gzipOf = (from: number, to: number) => gzipSync(`[${texts.slice(from, to).join(',')}]`);
  const result: EncodedChunks = { chunks: [], dropped: 0 };
  // Chunks of one upload hold similar events: the last chunk's count is a good first probe.
  let guess = 16;
  let next = 0;
  while (next < texts.length) {
    const rest = texts.length - next;
    // The largest count that fits: `fits` is known to fit (0: nothing yet), `tooMany` known not to
    // (rest + 1: nothing known yet). After a probe that fit, the next is where its compression ratio
    // puts the limit (gzipped size grows about linearly with the events); after one that did not,
    // bisect. Every probe gzips about one chunk, never the whole rest of a large upload.
    let fits = 0;
    let fitsBody: Buffer | null = null;
    let tooMany = rest + 1;
    let probe = Math.min(guess, rest);
    while (tooMany - fits > 1) {
      const body = gzipOf(next, next + probe);
      if (body.length <= limitBytes) {
        fits = probe;
        fitsBody = body;
        const predicted = Math.floor((fits * limitBytes) / body.length);
        probe = Math.min(tooMany - 1, rest, Math.max(fits + 1, predicted));
      } else {
        tooMany = probe;
        probe = Math.floor((fits + tooMany) / 2);
      }
    }
    if (fitsBody === null) {
      result.dropped += 1;
      next += 1;
      continue;
    }
    result.chunks.push({ body: fitsBody, first: next, count: fits });
    next += fits;
    guess = fits;
  }
  return result;
}
