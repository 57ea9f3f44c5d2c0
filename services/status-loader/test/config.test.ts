import { ConfigError } from '@opa-fleet/runtime';
import { describe, expect, it } from 'vitest';
import { loadStatusLoaderConfig } from '../src';

describe('status-loader config', () => {
  it('applies defaults', () => {
    const config = loadStatusLoaderConfig({ KAFKA_BROKERS: '127.0.0.1:9092' });
    expect(config).toMatchObject({
      kafkaBrokers: ['127.0.0.1:9092'],
      topicPrefix: 'opa.',
      groupId: 'opa-status-loader',
      topicRefreshMs: 10_000,
      port: 8081,
      clickhouse: { url: 'http://127.0.0.1:8123', database: 'opa', cluster: null },
      batch: { maxRows: 200_000, maxBytes: 32 * 1024 * 1024, maxWaitMs: 1000 },
      retry: { initialMs: 500, maxMs: 30_000 },
    });
  });

  it('reports every bad variable at once', () => {
    try {
      loadStatusLoaderConfig({
        KAFKA_BROKERS: 'nope',
        CLICKHOUSE_DATABASE: 'a-b',
        TOPIC_REFRESH_MS: '60000',
      });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
        'CLICKHOUSE_DATABASE',
        'KAFKA_BROKERS.0',
        'TOPIC_REFRESH_MS',
      ]);
    }
  });
});
