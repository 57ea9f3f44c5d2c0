import { ConfigError, loadConfig } from '@opa-fleet/runtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loaderConfig, loaderEnvShape } from '../src';

const schema = z.object(loaderEnvShape({ service: 'x-loader', port: 9999 }));

describe('shared loader config', () => {
  it('names the default client id and group after the service, and applies the shared defaults', () => {
    expect(loaderConfig(loadConfig(schema, { KAFKA_BROKERS: 'a:1, b:2' }))).toEqual({
      port: 9999,
      host: '0.0.0.0',
      kafkaBrokers: ['a:1', 'b:2'],
      kafkaClientId: 'opa-x-loader',
      topicPrefix: 'opa.',
      groupId: 'opa-x-loader',
      createTopics: true,
      topicPartitions: 3,
      topicReplicationFactor: 1,
      runMigrations: true,
      shutdownTimeoutMs: 20_000,
      clickhouse: {
        url: 'http://127.0.0.1:8123',
        username: 'default',
        password: '',
        database: 'opa',
        cluster: null,
        zookeeperPath: undefined,
        replicaName: undefined,
        requestTimeoutMs: 30_000,
      },
      batch: { maxRows: 200_000, maxBytes: 32 * 1024 * 1024, maxWaitMs: 1000 },
      exactlyOnce: false,
      testKill: null,
      retry: { initialMs: 500, maxMs: 30_000 },
    });
  });

  it('turns exactly-once batches on with a cluster unless told otherwise', () => {
    const load = (env: Record<string, string>) =>
      loaderConfig(loadConfig(schema, { KAFKA_BROKERS: 'a:1', ...env }));
    expect(load({ CLICKHOUSE_CLUSTER: 'c' }).exactlyOnce).toBe(true);
    expect(load({ CLICKHOUSE_CLUSTER: 'c', EXACTLY_ONCE_BATCHES: 'false' }).exactlyOnce).toBe(false);
    expect(load({ EXACTLY_ONCE_BATCHES: 'true' }).exactlyOnce).toBe(true);
    expect(load({ LOADER_TEST_KILL_AFTER_WRITES: '3', LOADER_TEST_KILL_MARKER: '/tmp/m' }).testKill).toEqual({
      afterWrites: 3,
      marker: '/tmp/m',
    });
    expect(() => load({ EXACTLY_ONCE_BATCHES: 'yes' })).toThrow(ConfigError);
  });

  it('reports a bad broker list, prefix and database name at once', () => {
    try {
      loadConfig(schema, { KAFKA_BROKERS: 'nohost', TOPIC_PREFIX: 'a/b', CLICKHOUSE_DATABASE: 'x-y' });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
        'CLICKHOUSE_DATABASE',
        'KAFKA_BROKERS.0',
        'TOPIC_PREFIX',
      ]);
    }
  });
});
