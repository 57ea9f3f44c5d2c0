import { ConfigError } from '@opa-fleet/runtime';
import { describe, expect, it } from 'vitest';
import { loadAdvisorConfig, releasesTopic } from '../src/config';

describe('advisor config', () => {
  it('applies the documented defaults', () => {
    const config = loadAdvisorConfig({ KAFKA_BROKERS: '127.0.0.1:19092, 127.0.0.1:19093' });
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:19092', '127.0.0.1:19093']);
    expect(releasesTopic(config)).toBe('opa.releases');
    expect(config.RELEASES_API_URL).toBe('https://api.github.com/repos/open-policy-agent/opa/releases');
    expect(config.RELEASES_API_ENABLED).toBe(true);
    expect(config.RELEASES_POLL_INTERVAL_MS).toBe(600_000);
    expect(config.RELEASES_CHANNEL).toBe('latest');
  });

  it('derives the topic from the prefix unless RELEASES_TOPIC is set', () => {
    expect(releasesTopic(loadAdvisorConfig({ KAFKA_BROKERS: 'k:9092', TOPIC_PREFIX: 'acme.' }))).toBe(
      'acme.releases',
    );
    expect(releasesTopic(loadAdvisorConfig({ KAFKA_BROKERS: 'k:9092', RELEASES_TOPIC: 'x' }))).toBe('x');
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      loadAdvisorConfig({
        RELEASES_API_URL: 'not a url',
        RELEASES_POLL_INTERVAL_MS: '-1',
        TOPIC_PREFIX: 'a/b',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((i) => i.variable).sort()).toEqual([
      'KAFKA_BROKERS',
      'RELEASES_API_URL',
      'RELEASES_POLL_INTERVAL_MS',
      'TOPIC_PREFIX',
    ]);
  });
});
