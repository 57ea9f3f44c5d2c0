// The telemetry-loader's configuration: the shared loader variables (@opa-fleet/loader) plus
// LOAD_RELEASES, validated once at start (README has the table).
import { type LoaderConfig, loaderConfig, loaderEnvShape } from '@opa-fleet/loader';
import { envBoolean, loadConfig } from '@opa-fleet/runtime';
import { z } from 'zod';

export const telemetryLoaderEnvSchema = z.object({
  ...loaderEnvShape({ service: 'telemetry-loader', port: 8082 }),
  /** Also load the releases topic into the `releases` table (for "share on the latest release"). */
  LOAD_RELEASES: envBoolean(true),
});

export interface TelemetryLoaderConfig extends LoaderConfig {
  loadReleases: boolean;
}

export function loadTelemetryLoaderConfig(
  env: Record<string, string | undefined> = process.env,
): TelemetryLoaderConfig {
  const e = loadConfig(telemetryLoaderEnvSchema, env, { service: 'telemetry-loader' });
  return { ...loaderConfig(e), loadReleases: e.LOAD_RELEASES };
}
