// The status-loader's configuration: the shared loader variables (@opa-fleet/loader) plus the
// new-topic check interval and the metric volume controls, validated once at start (README has the table).
import { type LoaderConfig, loaderConfig, loaderEnvShape } from '@opa-fleet/loader';
import { envRegex, loadConfig } from '@opa-fleet/runtime';
import { z } from 'zod';
import type { SampleVolumeSettings } from './sample-volume';

export const statusLoaderEnvSchema = z.object({
  ...loaderEnvShape({ service: 'status-loader', port: 8081 }),
  /** How often to look for new partition topics (`<prefix>status.<partition>`). */
  TOPIC_REFRESH_MS: z.coerce.number().int().min(500).max(30_000).default(10_000),
  /** Store only the Prometheus families whose name matches (e.g. `^(http_|opa_|bundle_)`). */
  SAMPLE_FAMILIES_INCLUDE: envRegex().optional(),
  /** Do not store the families whose name matches (e.g. `^go_`). */
  SAMPLE_FAMILIES_EXCLUDE: envRegex().optional(),
  /** Store an instance's samples at most once per this many seconds of report time; 0: every report. */
  SAMPLE_MIN_INTERVAL_SECONDS: z.coerce.number().int().min(0).max(86_400).default(0),
});

export interface StatusLoaderConfig extends LoaderConfig {
  topicRefreshMs: number;
  samples: SampleVolumeSettings;
}

export function loadStatusLoaderConfig(
  env: Record<string, string | undefined> = process.env,
): StatusLoaderConfig {
  const e = loadConfig(statusLoaderEnvSchema, env, { service: 'status-loader' });
  return {
    ...loaderConfig(e),
    topicRefreshMs: e.TOPIC_REFRESH_MS,
    samples: {
      include: e.SAMPLE_FAMILIES_INCLUDE ?? null,
      exclude: e.SAMPLE_FAMILIES_EXCLUDE ?? null,
      minIntervalSeconds: e.SAMPLE_MIN_INTERVAL_SECONDS,
    },
  };
}
