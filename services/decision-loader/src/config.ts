// The decision-loader's configuration: the shared loader variables (@opa-fleet/loader) plus the
// new-topic check interval, validated once at start (README has the table).
import { type LoaderConfig, loaderConfig, loaderEnvShape } from '@opa-fleet/loader';
import { loadConfig } from '@opa-fleet/runtime';
import { z } from 'zod';

export const decisionLoaderEnvSchema = z.object({
  ...loaderEnvShape({ service: 'decision-loader', port: 8085 }),
  /** How often to look for new partition topics (`<prefix>decisions.<partition>`). */
  TOPIC_REFRESH_MS: z.coerce.number().int().min(500).max(30_000).default(10_000),
});

export interface DecisionLoaderConfig extends LoaderConfig {
  topicRefreshMs: number;
}

export function loadDecisionLoaderConfig(
  env: Record<string, string | undefined> = process.env,
): DecisionLoaderConfig {
  const e = loadConfig(decisionLoaderEnvSchema, env, { service: 'decision-loader' });
  return { ...loaderConfig(e), topicRefreshMs: e.TOPIC_REFRESH_MS };
}
