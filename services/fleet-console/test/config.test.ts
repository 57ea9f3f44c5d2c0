import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@opa-fleet/runtime';
import { describe, expect, it } from 'vitest';
import { loadConsoleConfig } from '../src/config';

describe('fleet console config', () => {
  it('applies the documented defaults', () => {
    const config = loadConsoleConfig({});
    expect(config.port).toBe(8084);
    expect(config.clickhouse).toMatchObject({ url: 'http://127.0.0.1:8123', database: 'opa' });
    expect(config.authTokens).toEqual([]);
    expect(config.paramDefaults).toEqual({ silent_minutes: '30' });
    expect(config.metricsTargets.map((t) => t.name)).toEqual([
      'gateway',
      'status-loader',
      'telemetry-loader',
      'decision-loader',
    ]);
  });

  it('reads METRICS_TARGETS as name=url pairs and tokens from the list and the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'console-config-'));
    writeFileSync(join(dir, 'tokens'), '# ops\nfrom-file\n\n');
    const config = loadConsoleConfig({
      METRICS_TARGETS: 'a=http://h:1/metrics, b=http://h:2/metrics',
      CONSOLE_AUTH_TOKENS: 'listed',
      CONSOLE_AUTH_TOKENS_FILE: join(dir, 'tokens'),
      CONSOLE_SILENT_MINUTES: '90',
    });
    expect(config.metricsTargets).toEqual([
      { name: 'a', url: 'http://h:1/metrics' },
      { name: 'b', url: 'http://h:2/metrics' },
    ]);
    expect(config.authTokens).toEqual(['listed', 'from-file']);
    expect(config.paramDefaults.silent_minutes).toBe('90');
  });

  it('reports every bad variable at once, never a token', () => {
    let error: unknown;
    try {
      loadConsoleConfig({
        PORT: 'x',
        METRICS_TARGETS: 'no-equals-sign',
        CONSOLE_SILENT_MINUTES: '0',
        CONSOLE_AUTH_TOKENS_FILE: '/nonexistent/tokens',
        CLICKHOUSE_DATABASE: 'a-b',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
      'CLICKHOUSE_DATABASE',
      'CONSOLE_SILENT_MINUTES',
      'METRICS_TARGETS.0',
      'PORT',
    ]);
  });
});
