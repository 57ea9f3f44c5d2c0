import { ConfigError } from '@opa-fleet/runtime';
import { describe, expect, it } from 'vitest';
import { loadStatusLoaderConfig } from '../src';

describe('status-loader config', () => {
  it('applies its own defaults on top of the shared loader ones', () => {
    const config = loadStatusLoaderConfig({ KAFKA_BROKERS: '127.0.0.1:9092' });
    expect(config).toMatchObject({
      kafkaBrokers: ['127.0.0.1:9092'],
      topicPrefix: 'opa.',
      groupId: 'opa-status-loader',
      kafkaClientId: 'opa-status-loader',
      topicRefreshMs: 10_000,
      port: 8081,
      clickhouse: { url: 'http://127.0.0.1:8123', database: 'opa', cluster: null },
    });
  });

  it('bounds TOPIC_REFRESH_MS so new partition topics are found within 30 s', () => {
    expect(() => loadStatusLoaderConfig({ KAFKA_BROKERS: 'a:1', TOPIC_REFRESH_MS: '60000' })).toThrow(
      ConfigError,
    );
    expect(loadStatusLoaderConfig({ KAFKA_BROKERS: 'a:1', TOPIC_REFRESH_MS: '2000' }).topicRefreshMs).toBe(
      2000,
    );
  });
});
