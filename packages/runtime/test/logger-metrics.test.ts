import { Writable } from 'node:stream';
import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger, createMetrics } from '../src/index';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(JSON.parse(chunk.toString()));
      cb();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON with the service name and a textual level', async () => {
    const { lines, destination } = capture();
    const logger = createLogger('gateway', { destination, env: {} });
    logger.info({ n: 1 }, 'hello');
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ service: 'gateway', level: 'info', n: 1, msg: 'hello' });
  });

  it('takes its level from LOG_LEVEL', () => {
    expect(createLogger('x', { env: { LOG_LEVEL: 'debug' } }).level).toBe('debug');
    expect(createLogger('x', { env: { LOG_LEVEL: 'WARN' } }).level).toBe('warn');
    expect(createLogger('x', { env: {} }).level).toBe('info');
  });

  it('falls back to info on an unknown level', () => {
    const { destination } = capture();
    expect(createLogger('x', { env: { LOG_LEVEL: 'loud' }, destination }).level).toBe('info');
  });
});

describe('createMetrics', () => {
  it('returns a registry with default metrics and the service label', async () => {
    const registry = createMetrics('loader');
    new Counter({ name: 'things_total', help: 'things', registers: [registry] }).inc(3);
    const text = await registry.metrics();
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('things_total{service="loader"} 3');
  });

  it('gives each call its own registry', () => {
    const a = createMetrics('a');
    const b = createMetrics('b');
    new Counter({ name: 'only_in_a', help: 'x', registers: [a] });
    expect(a.getSingleMetric('only_in_a')).toBeDefined();
    expect(b.getSingleMetric('only_in_a')).toBeUndefined();
  });
});
