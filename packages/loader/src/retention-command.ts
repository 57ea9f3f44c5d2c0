// The retention command (`infra/bin/retention`): applies RETENTION_DAYS to the ClickHouse the loaders
// write: TTL on current ClickHouse, dropped monthly partitions on 18.16 (which has no TTL; run it daily
// there, e.g. from cron). Reads the loaders' CLICKHOUSE_* variables, so it targets the same database and
// cluster. `--dry-run` prints the statements without running them.
import {
  applyRetention,
  type ClickHouseConfig,
  parseRetentionPolicy,
  type RetentionAction,
} from '@opa-fleet/clickhouse';
import { type Logger, loadConfig } from '@opa-fleet/runtime';
import { z } from 'zod';
import { loaderEnvShape } from './loader-config';

const shared = loaderEnvShape({ service: 'retention', port: 0 });

export const retentionEnvSchema = z.object({
  CLICKHOUSE_URL: shared.CLICKHOUSE_URL,
  CLICKHOUSE_USER: shared.CLICKHOUSE_USER,
  CLICKHOUSE_PASSWORD: shared.CLICKHOUSE_PASSWORD,
  CLICKHOUSE_DATABASE: shared.CLICKHOUSE_DATABASE,
  CLICKHOUSE_CLUSTER: shared.CLICKHOUSE_CLUSTER,
  CLICKHOUSE_REQUEST_TIMEOUT_MS: shared.CLICKHOUSE_REQUEST_TIMEOUT_MS,
  /** `table=days,...` (`*=days` for the rest); unset: keep everything. */
  RETENTION_DAYS: z
    .string()
    .default('')
    .superRefine((spec, ctx) => {
      try {
        parseRetentionPolicy(spec);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message });
      }
    })
    .transform((spec) => parseRetentionPolicy(spec)),
});

export interface RetentionCommandResult {
  actions: RetentionAction[];
  dryRun: boolean;
}

export async function runRetentionCommand(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  logger: Logger,
  nowSeconds?: number,
): Promise<RetentionCommandResult> {
  const dryRun = argv.includes('--dry-run');
  const unknown = argv.filter((a) => a !== '--dry-run');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]} (only --dry-run)`);
  const e = loadConfig(retentionEnvSchema, env, { service: 'retention' });
  const config: ClickHouseConfig = {
    url: e.CLICKHOUSE_URL,
    username: e.CLICKHOUSE_USER,
    password: e.CLICKHOUSE_PASSWORD,
    database: e.CLICKHOUSE_DATABASE,
    cluster: e.CLICKHOUSE_CLUSTER ?? null,
    requestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
  };
  logger.info({ policy: Object.fromEntries(e.RETENTION_DAYS), dryRun }, 'retention policy');
  const actions = await applyRetention(config, e.RETENTION_DAYS, {
    dryRun,
    logger,
    ...(nowSeconds === undefined ? {} : { nowSeconds }),
  });
  return { actions, dryRun };
}
