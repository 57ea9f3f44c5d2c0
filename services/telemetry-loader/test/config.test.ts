import { describe, expect, it } from 'vitest';
import { loadTelemetryLoaderConfig } from '../src';

describe('telemetry-loader config', () => {
  it('applies its own defaults on top of the shared loader ones', () => {
    expect(loadTelemetryLoaderConfig({ KAFKA_BROKERS: '127.0.0.1:9092' })).toMatchObject({
      groupId: 'opa-telemetry-loader',
      kafkaClientId: 'opa-telemetry-loader',
      port: 8082,
      loadReleases: true,
    });
  });

  it('reads LOAD_RELEASES as a boolean', () => {
    expect(loadTelemetryLoaderConfig({ KAFKA_BROKERS: 'a:1', LOAD_RELEASES: 'false' }).loadReleases).toBe(
      false,
    );
  });
});
