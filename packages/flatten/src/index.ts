// Public surface of @opa-fleet/flatten: records -> rows, pure.
export { flattenDecision } from './flatten-decision';
export { FlattenError, type FlattenErrorCode } from './flatten-error';
export { flattenMetricFamilies } from './flatten-metrics';
export { flattenStatus } from './flatten-status';
export { flattenRelease, flattenTelemetry, flattenVersionCheck } from './flatten-telemetry';
export { formatPrometheusFloat } from './prometheus-float';
export * from './rows';
