import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, envBoolean, envList, envPort, loadConfig } from '../src/index';

const schema = z.object({
  PORT: envPort(8080),
  KAFKA_BROKERS: envList().pipe(z.array(z.string()).min(1, 'at least one broker')),
  DEBUG: envBoolean(false),
  AUTH_TOKEN: z.string().min(20).optional(),
  LINGER_MS: z.coerce.number().int().min(0).default(2),
});

describe('loadConfig', () => {
  it('returns typed values with defaults applied', () => {
    const config = loadConfig(schema, { KAFKA_BROKERS: 'a:1, b:2,', DEBUG: 'yes' });
    expect(config).toEqual({ PORT: 8080, KAFKA_BROKERS: ['a:1', 'b:2'], DEBUG: true, LINGER_MS: 2 });
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig(schema, { KAFKA_BROKERS: 'a:1', PORT: '' }).PORT).toBe(8080);
  });

  it('lists every bad variable in one ConfigError', () => {
    let caught: unknown;
    try {
      loadConfig(schema, { PORT: '99999', DEBUG: 'maybe', LINGER_MS: 'soon' }, { service: 'gateway' });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.issues.map((i) => i.variable).sort()).toEqual([
      'DEBUG',
      'KAFKA_BROKERS',
      'LINGER_MS',
      'PORT',
    ]);
    expect(error.message).toMatch(/^gateway: invalid configuration \(4 problem/);
    expect(error.message).toContain('PORT');
    expect(error.message).toContain('"99999"');
    expect(error.issues.find((i) => i.variable === 'KAFKA_BROKERS')!.message).toContain('not set');
  });

  it('never echoes secret values', () => {
    try {
      loadConfig(schema, { KAFKA_BROKERS: 'a:1', AUTH_TOKEN: 'short-secret' });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).message).not.toContain('short-secret');
      expect((err as ConfigError).message).toContain('<redacted>');
    }
  });
});
