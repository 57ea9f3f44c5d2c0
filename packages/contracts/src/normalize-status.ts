// Status update (`POST /status[/<partition>]` body) -> StatusReport.
//
// Policy on `labels`: OPA always sends `labels.id` and `labels.version`; a report without them cannot be
// attributed to an instance (it is the Kafka key), so either missing is MISSING_FIELD ($.labels.id).
// Every other label must be a string and goes to `custom`.

import { normalizeBundle } from './bundle-status';
import { ContractError } from './contract-error';
import { childPath, ROOT_PATH } from './json-path';
import {
  checkMapKey,
  invalidType,
  JsonLeftovers,
  longerThan,
  optionalIntIn,
  optionalString,
  requiredString,
  requireObject,
  tooMany,
} from './json-value';
import { type Limits, resolveLimits, VALUE_RANGES } from './limits';
import type { NormalizeContext } from './normalize-context';
import { normalizePrometheus } from './prometheus-families';
import type {
  BundleStatus,
  DecisionLogsStatus,
  MetricFamily,
  PluginStatus,
  StatusLabels,
  StatusReport,
} from './types';
import { parseUserAgent } from './user-agent';

export function normalizeStatus(
  body: unknown,
  ctx: NormalizeContext,
  overrides?: Partial<Limits>,
): StatusReport {
  const limits = resolveLimits(overrides);
  const root = requireObject(body, ROOT_PATH);
  let labels: StatusLabels | null = null;
  let bundles: BundleStatus[] = [];
  let legacyBundle: BundleStatus | null = null;
  let discovery: BundleStatus | null = null;
  let decisionLogs: DecisionLogsStatus | null = null;
  let plugins: PluginStatus[] = [];
  let metricFamilies: MetricFamily[] = [];
  let otherMetricsJson: string | null = null;
  const extra = new JsonLeftovers();
  for (const key in root) {
    const v = root[key];
    switch (key) {
      case 'labels':
        labels = normalizeLabels(v, limits);
        break;
      case 'bundles':
        bundles = normalizeBundles(v, limits);
        break;
      case 'bundle':
        legacyBundle = v === null ? null : normalizeBundle(v, 'bundle', '$.bundle', limits);
        break;
      case 'discovery':
        discovery = v === null ? null : normalizeBundle(v, 'discovery', '$.discovery', limits);
        break;
      case 'decision_logs':
        decisionLogs = normalizeDecisionLogs(v, limits);
        break;
      case 'plugins':
        plugins = normalizePlugins(v, limits);
        break;
      case 'metrics': {
        if (v === null || v === undefined) break;
        const metrics = requireObject(v, '$.metrics');
        const others = new JsonLeftovers();
        for (const provider in metrics) {
          if (provider === 'prometheus') {
            const families = metrics[provider];
            if (families !== null && families !== undefined) {
              metricFamilies = normalizePrometheus(families, '$.metrics.prometheus', limits);
            }
          } else {
            others.add(provider, metrics[provider], '$.metrics');
          }
        }
        otherMetricsJson = others.toJson('$.metrics', limits.maxJsonLength);
        break;
      }
      default:
        extra.add(key, v, ROOT_PATH);
    }
  }
  if (labels === null) throw new ContractError('MISSING_FIELD', 'is required', '$.labels');
  return {
    event_id: ctx.eventId,
    received_at: ctx.receivedAt,
    gateway_id: ctx.gatewayId,
    partition: ctx.partition ?? null,
    client: parseUserAgent(ctx.userAgent, limits.maxStringLength),
    labels,
    bundles,
    legacy_bundle: legacyBundle,
    discovery,
    decision_logs: decisionLogs,
    plugins,
    metric_families: metricFamilies,
    other_metrics_json: otherMetricsJson,
    extra_json: extra.toJson(ROOT_PATH, limits.maxJsonLength),
  };
}

function normalizeLabels(value: unknown, limits: Limits): StatusLabels {
  const path = '$.labels';
  const labels = requireObject(value, path);
  const custom: Record<string, string> = {};
  let count = 0;
  for (const key in labels) {
    const v = labels[key];
    if (v === undefined) continue;
    if (++count > limits.maxLabels) throw tooMany(path, 'labels', limits.maxLabels);
    if (longerThan(key, limits.maxLabelLength)) {
      throw new ContractError(
        'LIMIT_EXCEEDED',
        `label name longer than ${limits.maxLabelLength} characters`,
        childPath(path, key),
      );
    }
    if (key === 'id' || key === 'version') continue;
    checkMapKey(key, path);
    if (typeof v !== 'string') throw invalidType(childPath(path, key), 'a string', v);
    if (longerThan(v, limits.maxLabelLength)) {
      throw new ContractError(
        'LIMIT_EXCEEDED',
        `longer than ${limits.maxLabelLength} characters`,
        childPath(path, key),
      );
    }
    custom[key] = v;
  }
  return {
    id: requiredString(labels.id, path, 'id', limits.maxLabelLength),
    version: requiredString(labels.version, path, 'version', limits.maxLabelLength),
    custom,
  };
}

function normalizeBundles(value: unknown, limits: Limits): BundleStatus[] {
  if (value === null || value === undefined) return [];
  const path = '$.bundles';
  const byName = requireObject(value, path);
  const bundles: BundleStatus[] = [];
  for (const key in byName) {
    const v = byName[key];
    if (v === undefined) continue;
    if (bundles.length === limits.maxBundles) throw tooMany(path, 'bundles', limits.maxBundles);
    // The key is the bundle's name as OPA writes it: held to the name's limit even where `name` repeats it.
    if (longerThan(key, limits.maxLabelLength)) {
      throw new ContractError(
        'LIMIT_EXCEEDED',
        `bundle name longer than ${limits.maxLabelLength} characters`,
        childPath(path, key),
      );
    }
    bundles.push(normalizeBundle(v, key, childPath(path, key), limits));
  }
  return bundles;
}

function normalizeDecisionLogs(value: unknown, limits: Limits): DecisionLogsStatus | null {
  if (value === null || value === undefined) return null;
  const path = '$.decision_logs';
  const obj = requireObject(value, path);
  let code: string | null = null;
  let message: string | null = null;
  let httpCode: number | null = null;
  const extra = new JsonLeftovers();
  for (const key in obj) {
    const v = obj[key];
    switch (key) {
      case 'code':
        code = optionalString(v, path, key, limits.maxStringLength);
        break;
      case 'message':
        message = optionalString(v, path, key, limits.maxStringLength);
        break;
      case 'http_code':
        httpCode = optionalIntIn(v, path, key, 0, VALUE_RANGES.maxHttpCode);
        break;
      default:
        extra.add(key, v, path);
    }
  }
  return { code, message, http_code: httpCode, extra_json: extra.toJson(path, limits.maxJsonLength) };
}

function normalizePlugins(value: unknown, limits: Limits): PluginStatus[] {
  if (value === null || value === undefined) return [];
  const path = '$.plugins';
  const byName = requireObject(value, path);
  const plugins: PluginStatus[] = [];
  for (const name in byName) {
    const v = byName[name];
    if (v === undefined) continue;
    if (plugins.length === limits.maxPlugins) throw tooMany(path, 'plugins', limits.maxPlugins);
    const pluginPath = childPath(path, name);
    if (longerThan(name, limits.maxLabelLength)) {
      throw new ContractError(
        'LIMIT_EXCEEDED',
        `plugin name longer than ${limits.maxLabelLength} characters`,
        pluginPath,
      );
    }
    const obj = requireObject(v, pluginPath);
    let message: string | null = null;
    const extra = new JsonLeftovers();
    for (const key in obj) {
      if (key === 'state') continue;
      if (key === 'message') message = optionalString(obj[key], pluginPath, key, limits.maxStringLength);
      else extra.add(key, obj[key], pluginPath);
    }
    plugins.push({
      name,
      state: requiredString(obj.state, pluginPath, 'state', limits.maxLabelLength),
      message,
      extra_json: extra.toJson(pluginPath, limits.maxJsonLength),
    });
  }
  return plugins;
}
