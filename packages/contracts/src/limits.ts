// Bounds on what one report may contain. Every breach is a ContractError LIMIT_EXCEEDED with the path of
// the offending value, which the gateway answers with 400 (or 413) so a client learns exactly what to fix.

export interface Limits {
  /** Labels in `labels`, including `id` and `version`. */
  maxLabels: number;
  /** Characters in a label key or value, an instance id or version, a bundle, plugin or metric name. */
  maxLabelLength: number;
  /** Entries in `bundles`. */
  maxBundles: number;
  /** Entries in `plugins`. */
  maxPlugins: number;
  /** Metric families in `metrics.prometheus` (plain numbers count as one family each). */
  maxMetricFamilies: number;
  /**
   * Flattened samples over all families, counted as the status-loader writes them: one per
   * counter/gauge/untyped metric; quantiles + 2 per summary; buckets + 3 per histogram (+Inf, _sum, _count).
   */
  maxSamples: number;
  /** Labels on one metric. */
  maxMetricLabels: number;
  /** Characters in free text: messages, help, revisions, error locations, the User-Agent (truncated). */
  maxStringLength: number;
  /** Entries in one bundle's `errors`. */
  maxBundleErrors: number;
  /** Entries in one bundle's `metrics`. */
  maxBundleMetrics: number;
  /** Characters of each `*_json` field (unknown keys, details, other metrics providers). */
  maxJsonLength: number;
  /** Events in one decision-log upload. */
  maxDecisionEvents: number;
  /** Characters of each free-form field of a decision event as JSON (`input`, `result`, ...). */
  maxDecisionJsonLength: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxLabels: 64,
  maxLabelLength: 256,
  maxBundles: 256,
  maxPlugins: 64,
  maxMetricFamilies: 512,
  maxSamples: 10_000,
  maxMetricLabels: 32,
  maxStringLength: 4096,
  maxBundleErrors: 128,
  maxBundleMetrics: 256,
  maxJsonLength: 65_536,
  // OPA's default upload chunk is 32 KB gzipped (`upload_size_limit_bytes`), a few hundred events.
  maxDecisionEvents: 100_000,
  // Inputs are whatever the application sends OPA (an HTTP request, a Kubernetes object).
  maxDecisionJsonLength: 1_048_576,
});

/**
 * Fixed ranges of typed values (not configurable: they follow from the Avro types and OPA's fields).
 * Exported so the gateway's API document states the same numbers the normalizers apply.
 */
export const VALUE_RANGES = Object.freeze({
  /** Largest count (heap_usage_bytes, sizes, sample counts): avsc keeps 2^53 - 1 itself out of an Avro long. */
  maxCount: 2 ** 53 - 2,
  /** `http_code` of a bundle or the decision-log plugin. */
  maxHttpCode: 999,
  /** `row` and `col` of a bundle error location (Avro int). */
  maxPosition: 2_147_483_647,
});

/** DEFAULT_LIMITS with `overrides` applied. */
export function resolveLimits(overrides?: Partial<Limits>): Limits {
  return overrides ? { ...DEFAULT_LIMITS, ...overrides } : DEFAULT_LIMITS;
}
