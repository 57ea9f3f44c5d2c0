// Fixture bodies (test/fixtures/opa, as OPA sends them) normalized into canonical records.
import {
  normalizeStatus,
  normalizeTelemetry,
  type StatusReport,
  type TelemetryReport,
} from '@opa-fleet/contracts';
import { readFixture } from '../../../test/support/fixtures';

/** A fixture body, parsed (the one reader of the fixtures: test/support/fixtures.ts). */
export const fixtureBody = readFixture;

export const RECEIVED_AT = 1_795_500_000_123_456;

export function statusFixture(
  name: string,
  partition: string | null = null,
  envelope: { eventId?: string; receivedAt?: number } = {},
): StatusReport {
  return normalizeStatus(fixtureBody(name), {
    eventId: envelope.eventId ?? `evt-${name}`,
    receivedAt: envelope.receivedAt ?? RECEIVED_AT,
    gatewayId: 'gw-test',
    userAgent: 'Open Policy Agent/1.4.2 (linux, amd64)',
    partition,
  });
}

export function telemetryFixture(name: string): TelemetryReport {
  // (telemetry-request.json is the only telemetry fixture; tests vary id/version on the result)
  return normalizeTelemetry(fixtureBody(name), {
    eventId: `evt-${name}`,
    receivedAt: RECEIVED_AT,
    gatewayId: 'gw-test',
    userAgent: 'Open Policy Agent/v0.12.3 (darwin, amd64)',
  });
}
