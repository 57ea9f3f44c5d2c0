// One decision-log event of a simulated instance, shaped like what real OPA v0.70.0 and v1.22.3 logged
// (test/fixtures/opa-real/*/decisions.json): the same keys and value types, with a mix of paths,
// results (booleans and package objects with `allow`), undefined decisions and evaluation errors.
import type { SimulatedInstance } from './fleet';
import type { Random } from './random';

/** A decision event as OPA's decision_logs plugin uploads it (one element of the chunk's JSON array). */
export interface DecisionEventBody {
  labels: Record<string, string>;
  decision_id: string;
  bundles?: Record<string, { revision: string }>;
  path: string;
  input: Record<string, unknown>;
  result?: unknown;
  error?: unknown;
  requested_by: string;
  timestamp: string;
  metrics: Record<string, number>;
  req_id: number;
}

/** Policy paths a simulated instance is asked about, and what each returns. */
const POLICIES: readonly { path: string; weight: number; result: (allow: boolean) => unknown }[] = [
  // A rule: a boolean.
  { path: 'authz/allow', weight: 60, result: (allow) => allow },
  // A whole package: an object with the rules' values.
  {
    path: 'httpapi/authz',
    weight: 30,
    result: (allow) => ({ allow, reasons: allow ? [] : ['user is not an owner'] }),
  },
  // A deny rule: the set of messages (empty: admitted).
  { path: 'kubernetes/admission/deny', weight: 10, result: (allow) => (allow ? [] : ['image not signed']) },
];
const ACTIONS = ['read', 'write', 'delete', 'list'] as const;
/** Share of decisions allowed, undefined (no result), and failed (an error instead of a result). */
const ALLOW_SHARE = 0.8;
const UNDEFINED_SHARE = 0.02;
const ERROR_SHARE = 0.01;

/** RFC 3339 with nanoseconds as Go marshals time.Time (trailing zeros of the fraction dropped). */
export function goTimeNanos(ms: number, subMsNanos: number): string {
  const fraction = `${String(ms % 1000).padStart(3, '0')}${String(subMsNanos).padStart(6, '0')}`.replace(
    /0+$/,
    '',
  );
  return `${new Date(ms).toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

function pickPolicy(random: Random) {
  let roll = random.next() * 100;
  for (const policy of POLICIES) {
    roll -= policy.weight;
    if (roll < 0) return policy;
  }
  return POLICIES[0]!;
}

/** The bundles an instance evaluates with: the activated ones (a bundle that never activated has no revision). */
function activeBundles(instance: SimulatedInstance): Record<string, { revision: string }> {
  const bundles: Record<string, { revision: string }> = {};
  for (const b of instance.bundles) {
    if (b.failing === 'no') bundles[b.name] = { revision: `rev-${b.revision}` };
    // A compile error keeps the last good revision active (as the status update says).
    else if (b.failing === 'compile') bundles[b.name] = { revision: `rev-${b.revision - 1}` };
  }
  return bundles;
}

/**
 * The next decision of `instance` at `atMs`; `reqId` numbers the instance's requests from 1, as OPA does.
 * `decisionId` defaults to one drawn from `random`.
 */
export function decisionEvent(
  instance: SimulatedInstance,
  random: Random,
  atMs: number,
  reqId: number,
  decisionId: string = random.uuid(),
): DecisionEventBody {
  const policy = pickPolicy(random);
  const roll = random.next();
  const cacheHit = random.chance(0.9);
  const evalNs = 10_000 + random.int(0, 90_000) + (random.chance(0.02) ? random.int(0, 5_000_000) : 0);
  const metrics: Record<string, number> = {
    counter_server_query_cache_hit: cacheHit ? 1 : 0,
    timer_rego_input_parse_ns: 20_000 + random.int(0, 150_000),
    // OPA parses and compiles a query only on a cache miss.
    ...(cacheHit
      ? {}
      : { timer_rego_query_compile_ns: 80_000 + random.int(0, 40_000), timer_rego_query_parse_ns: 50_000 }),
    timer_rego_query_eval_ns: evalNs,
  };
  metrics.timer_server_handler_ns = evalNs + 40_000 + random.int(0, 400_000);
  const outcome: Pick<DecisionEventBody, 'result' | 'error'> =
    roll < ERROR_SHARE
      ? {
          error: {
            code: 'eval_conflict_error',
            message: 'complete rules must not produce multiple outputs',
            location: { file: `/${policy.path.split('/')[0]}/policy.rego`, row: 7, col: 1 },
          },
        }
      : roll < ERROR_SHARE + UNDEFINED_SHARE
        ? {}
        : { result: policy.result(random.chance(ALLOW_SHARE)) };
  const bundles = activeBundles(instance);
  return {
    labels: { id: instance.id, version: instance.version, region: instance.region },
    decision_id: decisionId,
    ...(Object.keys(bundles).length > 0 ? { bundles } : {}),
    path: policy.path,
    input: { action: random.pick(ACTIONS), user: `user-${random.int(0, 10_000)}` },
    ...outcome,
    requested_by: `127.0.0.1:${random.int(32_768, 61_000)}`,
    timestamp: goTimeNanos(atMs, random.int(0, 1_000_000)),
    metrics,
    req_id: reqId,
  };
}
