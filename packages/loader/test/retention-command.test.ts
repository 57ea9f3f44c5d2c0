import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { retentionEnvSchema, runRetentionCommand } from '../src';

const logger = pino({ level: 'silent' });

describe('retention command configuration', () => {
  it('reads RETENTION_DAYS into a per-table policy; unset keeps everything', () => {
    expect(
      retentionEnvSchema
        .parse({ RETENTION_DAYS: 'prometheus_samples=35,*=400' })
        .RETENTION_DAYS.get('bundles'),
    ).toBe(400);
    expect(retentionEnvSchema.parse({}).RETENTION_DAYS.size).toBe(0);
  });

  it('refuses a bad RETENTION_DAYS naming the variable and the problem, before touching ClickHouse', async () => {
    await expect(
      runRetentionCommand([], { RETENTION_DAYS: 'samples=30', CLICKHOUSE_URL: 'http://127.0.0.1:1' }, logger),
    ).rejects.toThrow(/RETENTION_DAYS.*samples: not a table with a retention/s);
  });

  it('refuses an unknown argument', async () => {
    await expect(runRetentionCommand(['--now'], {}, logger)).rejects.toThrow(/unknown argument --now/);
  });
});
