// OPA-shaped decision-log chunks for the benchmarks: events shaped exactly like the real upload in
// test/fixtures/opa-real/v1.22.3/decisions.json (same keys, same value types), with varied decision ids,
// inputs, results, metrics and nanosecond timestamps; one OPA instance per chunk, as OPA sends them.
//
// OPA's chunk encoder (plugins/logs/encoder.go) writes events into a gzip stream until the chunk would
// pass `upload_size_limit_bytes` (compressed; 32768 by default) and then starts the next one; here each
// chunk holds as many events as fit while the gzipped array stays at or under the limit.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { seededRandom } from '@opa-fleet/fleet-sim';
import { realOpaCorpusDir } from '../support/fixtures';

/** OPA's default upload_size_limit_bytes. */
export const OPA_UPLOAD_SIZE_LIMIT = 32_768;

export interface DecisionChunk {
  /** The gzipped JSON array, as OPA POSTs it. */
  body: Buffer;
  events: number;
  /** Size of the JSON array before gzip. */
  rawBytes: number;
  decisionIds: string[];
}

type Event = Record<string, unknown> & { labels: Record<string, string> };

const capture = JSON.parse(readFileSync(`${realOpaCorpusDir}/v1.22.3/decisions.json`, 'utf8')) as Event[];
const template = capture[0]!;

const PATHS = ['good/allow', 'httpapi/authz/allow', 'kubernetes/admission/deny', 'rbac/allow'];
const ACTIONS = ['read', 'write', 'delete', 'list'];

/** Goes on for ever: chunk after chunk of `instances` simulated OPAs, round-robin. */
export function createDecisionChunks(
  options: { seed?: number; instances?: number; limitBytes?: number } = {},
) {
  const random = seededRandom(options.seed ?? 14);
  const limit = options.limitBytes ?? OPA_UPLOAD_SIZE_LIMIT;
  const instances = Array.from({ length: options.instances ?? 50 }, (_, i) => ({
    labels: {
      ...template.labels,
      id: randomUUID(),
      region: i % 2 ? 'eu-west' : 'us-east',
      team: `team-${i % 7}`,
    },
    reqId: 0,
    port: 40_000 + i,
  }));
  let nextInstance = 0;
  let clockNs = BigInt(Date.now()) * 1_000_000n;
  let guess = 64;

  const int = (below: number) => random.int(0, below);
  function eventOf(instance: (typeof instances)[number]): Event {
    clockNs += BigInt(1 + int(5_000_000)); // up to 5 ms between decisions
    const ms = Number(clockNs / 1_000_000n);
    const nanos = String(clockNs % 1_000_000_000n).padStart(9, '0');
    const user = int(10_000);
    instance.reqId += 1;
    return {
      ...template,
      labels: instance.labels,
      decision_id: randomUUID(),
      bundles: { good: { revision: `good-rev-${1 + int(3)}` } },
      path: random.pick(PATHS),
      input: { action: random.pick(ACTIONS), user: `user-${user}` },
      result: random.chance(0.8),
      requested_by: `127.0.0.1:${instance.port + int(20_000)}`,
      timestamp: `${new Date(ms).toISOString().slice(0, 19)}.${nanos}Z`,
      metrics: {
        counter_server_query_cache_hit: user % 2,
        timer_rego_input_parse_ns: 40_000 + int(300_000),
        timer_rego_query_eval_ns: 30_000 + int(60_000),
        timer_server_handler_ns: 140_000 + int(400_000),
      },
      req_id: instance.reqId,
    };
  }

  return {
    next(): DecisionChunk {
      const instance = instances[nextInstance++ % instances.length]!;
      const events: Event[] = [];
      const texts: string[] = [];
      const gzipOf = (n: number) => gzipSync(`[${texts.slice(0, n).join(',')}]`);
      const ensure = (n: number) => {
        while (events.length < n) {
          const event = eventOf(instance);
          events.push(event);
          texts.push(JSON.stringify(event));
        }
      };
      // Start from the last chunk's count, then step to the largest count still under the limit.
      let n = guess;
      ensure(n + 1);
      let body = gzipOf(n);
      while (body.length > limit && n > 1) body = gzipOf(--n);
      for (;;) {
        ensure(n + 1);
        const more = gzipOf(n + 1);
        if (more.length > limit) break;
        n += 1;
        body = more;
      }
      guess = n;
      instance.reqId -= events.length - n; // the unsent events' request ids are used by the next chunk
      return {
        body,
        events: n,
        rawBytes: texts.slice(0, n).reduce((bytes, text) => bytes + text.length + 1, 1),
        decisionIds: events.slice(0, n).map((e) => e.decision_id as string),
      };
    },
  };
}
