export { buildTelemetryLoader, type TelemetryLoader } from './app';
export { loadTelemetryLoaderConfig, type TelemetryLoaderConfig, telemetryLoaderEnvSchema } from './config';
export { type TelemetryRows, telemetryRowsOf } from './telemetry-rows';
