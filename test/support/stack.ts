// What an integration test needs to reach the stack chosen by global-setup.ts.
import { randomBytes } from 'node:crypto';

export function kafkaBrokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value)
    throw new Error('KAFKA_BROKERS is not set: run integration tests through vitest (project "integration")');
  return value.split(',');
}

export function clickhouseUrl(): string {
  const value = process.env.CLICKHOUSE_URL;
  if (!value)
    throw new Error(
      'CLICKHOUSE_URL is not set: run integration tests through vitest (project "integration")',
    );
  return value;
}

/** A short random suffix so suites never share a topic, group or database. */
export function uniqueSuffix(): string {
  return randomBytes(4).toString('hex');
}
