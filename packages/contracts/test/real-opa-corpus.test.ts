// The status bodies real OPA binaries sent (test/fixtures/opa-real, captured by the real-OPA suite):
// every one normalizes, survives the Avro round trip, and keeps every metric family and bundle.
import { describe, expect, it } from 'vitest';
import { realOpaStatusBodies } from '../../../test/support/fixtures';
import { normalizeStatus, statusCodec } from '../src/index';

const bodies = realOpaStatusBodies();
const ctx = {
  eventId: 'e',
  receivedAt: 1_700_000_000_000_000,
  gatewayId: 'gw',
  userAgent: undefined,
  partition: null,
};

describe('the real-OPA corpus', () => {
  it('holds both eras, with and without prometheus: true', () => {
    expect(bodies.map((b) => `${b.opaVersion}/${b.name}`)).toEqual([
      'v0.70.0/status-prometheus.json',
      'v0.70.0/status.json',
      'v1.22.3/status-prometheus.json',
      'v1.22.3/status.json',
    ]);
  });

  it.each(bodies.map((b) => [`${b.opaVersion}/${b.name}`, b] as const))(
    '%s normalizes, round-trips and keeps every family and bundle',
    (_name, { text }) => {
      const body = JSON.parse(text);
      const record = normalizeStatus(body, ctx);
      expect(record.metric_families.map((f) => f.name).sort()).toEqual(
        Object.keys(body.metrics.prometheus).sort(),
      );
      expect(record.bundles.map((b) => b.name).sort()).toEqual(Object.keys(body.bundles).sort());
      expect(statusCodec.decode(statusCodec.encode(record))).toEqual(record);
    },
  );
});
