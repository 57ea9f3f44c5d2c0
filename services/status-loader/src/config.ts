// The status-loader's configuration: the shared loader variables (@opa-fleet/loader) plus the
// new-topic check interval, validated once at start (README has the table).
import { type LoaderConfig, loaderConfig, loaderEnvShape } from '@opa-fleet/loader';
import { loadConfig } from '@opa-fleet/runtime';
import { z } from 'zod';

export const statusLoaderEnvSchema = z.object({
  ...loaderEnvShape({ service: 'status-loader', port: 8081 }),
  /** How often to look for new partition topics (`<prefix>status.<partition>`). */
  TOPIC_REFRESH_MS: z.coerce.number().int().min(500).max(30_000).default(10_000),
});

export interface StatusLoaderConfig extends LoaderConfig {
  topicRefreshMs: number;
}

export function loadStatusLoaderConfig(
  env: Record<string, string | undefined> = process.env,
): StatusLoaderConfig {
  const e = loadConfig(statusLoaderEnvSchema, env, { service: 'status-loader' });
  return { ...loaderConfig(e), topicRefreshMs: e.TOPIC_REFRESH_MS };
}
