// Version report (`POST /v1/version` body) -> TelemetryReport.
// OPA sends {id, version, heap_usage_bytes (a string)}; newer OPAs add keys such as
// min_compatible_version, kept in extra_json.

import { ROOT_PATH } from './json-path';
import { JsonLeftovers, optionalCount, requiredString, requireObject } from './json-value';
import { type Limits, resolveLimits } from './limits';
import type { NormalizeContext } from './normalize-context';
import type { TelemetryReport } from './types';
import { parseUserAgent } from './user-agent';

export function normalizeTelemetry(
  body: unknown,
  ctx: NormalizeContext,
  overrides?: Partial<Limits>,
): TelemetryReport {
  const limits = resolveLimits(overrides);
  const root = requireObject(body, ROOT_PATH);
  let heapUsageBytes: number | null = null;
  const extra = new JsonLeftovers();
  for (const key in root) {
    const v = root[key];
    switch (key) {
      case 'id':
      case 'version':
        break;
      case 'heap_usage_bytes':
        heapUsageBytes = optionalCount(v, ROOT_PATH, key);
        break;
      default:
        extra.add(key, v, ROOT_PATH);
    }
  }
  return {
    event_id: ctx.eventId,
    received_at: ctx.receivedAt,
    gateway_id: ctx.gatewayId,
    id: requiredString(root.id, ROOT_PATH, 'id', limits.maxLabelLength),
    version: requiredString(root.version, ROOT_PATH, 'version', limits.maxLabelLength),
    heap_usage_bytes: heapUsageBytes,
    client: parseUserAgent(ctx.userAgent, limits.maxStringLength),
    extra_json: extra.toJson('$.extra_json', limits.maxJsonLength),
  };
}
