// The fleet console's configuration: environment variables, validated once at start (README has the table).
import { readFileSync } from 'node:fs';
import type { ClickHouseConfig } from '@opa-fleet/clickhouse';
import {
  envList,
  envPort,
  loadConfig,
  parseTokenFile,
  envPositiveInt as positiveInt,
} from '@opa-fleet/runtime';
import { z } from 'zod';

/** A service whose /metrics the ingestion-health panel scrapes. */
export interface MetricsTarget {
  name: string;
  url: string;
}

/** The pipeline's services on their default ports (infra/bin/start), `name=url` as in METRICS_TARGETS. */
export const DEFAULT_METRICS_TARGETS = [
  'gateway=http://127.0.0.1:8080/metrics',
  'status-loader=http://127.0.0.1:8081/metrics',
  'telemetry-loader=http://127.0.0.1:8082/metrics',
  'decision-loader=http://127.0.0.1:8085/metrics',
];

const metricsTarget = z.string().transform((entry, ctx): MetricsTarget => {
  const at = entry.indexOf('=');
  const name = entry.slice(0, at).trim();
  const url = entry.slice(at + 1).trim();
  if (at <= 0 || !/^[A-Za-z0-9_.-]+$/.test(name) || !z.string().url().safeParse(url).success) {
    ctx.addIssue({
      code: z.ZodIssueCode.custom,
      message: `expected name=http://host:port/metrics, got ${entry}`,
    });
    return z.NEVER;
  }
  return { name, url };
});

export const consoleEnvSchema = z
  .object({
    PORT: envPort(8084),
    HOST: z.string().default('0.0.0.0'),
    CLICKHOUSE_URL: z.string().url().default('http://127.0.0.1:8123'),
    CLICKHOUSE_USER: z.string().default('default'),
    CLICKHOUSE_PASSWORD: z.string().default(''),
    CLICKHOUSE_DATABASE: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a plain identifier ([A-Za-z_][A-Za-z0-9_]*)')
      .default('opa'),
    // A console query answers in well under a second; one that runs longer is cut off, not left to pile up.
    CLICKHOUSE_REQUEST_TIMEOUT_MS: positiveInt(15_000),
    CONSOLE_AUTH_TOKENS: envList(),
    CONSOLE_AUTH_TOKENS_FILE: z.string().optional(),
    // The default of instances-stopped-reporting's silent_minutes (the page can ask for another).
    CONSOLE_SILENT_MINUTES: positiveInt(30),
    METRICS_TARGETS: envList(DEFAULT_METRICS_TARGETS).pipe(z.array(metricsTarget)),
    SCRAPE_TIMEOUT_MS: positiveInt(2000),
    SHUTDOWN_TIMEOUT_MS: positiveInt(10_000),
  })
  .transform((env, ctx) => {
    let fileTokens: string[] = [];
    if (env.CONSOLE_AUTH_TOKENS_FILE) {
      try {
        fileTokens = parseTokenFile(readFileSync(env.CONSOLE_AUTH_TOKENS_FILE, 'utf8'));
      } catch (err) {
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['CONSOLE_AUTH_TOKENS_FILE'],
          message: `cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
        });
        return z.NEVER;
      }
    }
    return { ...env, authTokens: [...env.CONSOLE_AUTH_TOKENS, ...fileTokens] };
  });

export interface ConsoleConfig {
  port: number;
  host: string;
  clickhouse: ClickHouseConfig;
  /** Empty: the API is open. */
  authTokens: string[];
  /** Defaults of query parameters the page may leave out, by parameter name. */
  paramDefaults: Record<string, string>;
  metricsTargets: MetricsTarget[];
  scrapeTimeoutMs: number;
  shutdownTimeoutMs: number;
}

export function loadConsoleConfig(env: Record<string, string | undefined> = process.env): ConsoleConfig {
  const e = loadConfig(consoleEnvSchema, env, { service: 'fleet-console' });
  return {
    port: e.PORT,
    host: e.HOST,
    clickhouse: {
      url: e.CLICKHOUSE_URL,
      username: e.CLICKHOUSE_USER,
      password: e.CLICKHOUSE_PASSWORD,
      database: e.CLICKHOUSE_DATABASE,
      requestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
    },
    authTokens: e.authTokens,
    paramDefaults: { silent_minutes: String(e.CONSOLE_SILENT_MINUTES) },
    metricsTargets: e.METRICS_TARGETS,
    scrapeTimeoutMs: e.SCRAPE_TIMEOUT_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
