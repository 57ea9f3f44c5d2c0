// Typed configuration from the environment: validated once at start, every bad variable reported at once.
import type { z } from 'zod';
import { ConfigError, type ConfigIssue } from './errors';

export interface LoadConfigOptions {
  /** Service name, prefixed to the error message. */
  service?: string;
}

/**
 * Validates `env` against a zod object schema whose keys are environment variable names.
 * Empty strings count as unset, so `FOO=` falls back to the schema's default.
 */
export function loadConfig<S extends z.ZodTypeAny>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
  options: LoadConfigOptions = {},
): z.output<S> {
  const cleaned: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== '') cleaned[k] = v;
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? issue.path.join('.') : '(env)';
    const given = issue.path.length > 0 ? cleaned[String(issue.path[0])] : undefined;
    const shown = given === undefined ? ' (not set)' : ` (got ${JSON.stringify(redact(variable, given))})`;
    return { variable, message: `${issue.message}${shown}` };
  });
  throw new ConfigError(options.service, issues);
}

/** Secrets never appear in error messages. */
function redact(variable: string, value: string): string {
  return /TOKEN|SECRET|PASSWORD|KEY/i.test(variable) ? '<redacted>' : value;
}
