// The runtime package's one error type: configuration that does not validate.

export interface ConfigIssue {
  /** Environment variable name (`KAFKA_BROKERS`), or `(env)` for a rule spanning several. */
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  readonly code = 'INVALID_CONFIG' as const;
  readonly retriable = false as const;
  readonly issues: readonly ConfigIssue[];

  constructor(service: string | undefined, issues: ConfigIssue[]) {
    const lines = issues.map((i) => `  - ${i.variable}: ${i.message}`).join('\n');
    super(`${service ? `${service}: ` : ''}invalid configuration (${issues.length} problem(s)):\n${lines}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
