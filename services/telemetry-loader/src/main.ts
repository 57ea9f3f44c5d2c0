// Starts the telemetry-loader as a process (config, ops server, signals: see @opa-fleet/loader).
import { runLoaderProcess } from '@opa-fleet/loader';
import { buildTelemetryLoader } from './app';
import { loadTelemetryLoaderConfig } from './config';

runLoaderProcess({
  name: 'telemetry-loader',
  loadConfig: loadTelemetryLoaderConfig,
  build: buildTelemetryLoader,
});
