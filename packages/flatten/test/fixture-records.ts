// Fixture bodies (../shared/fixtures/opa, as OPA sends them) normalized into canonical records.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  normalizeStatus,
  normalizeTelemetry,
  type StatusReport,
  type TelemetryReport,
} from '@opa-fleet/contracts';

const FIXTURES = fileURLToPath(new URL('../../../../shared/fixtures/opa/', import.meta.url));

export function fixtureBody(name: string): unknown {
  return JSON.parse(readFileSync(`${FIXTURES}${name}`, 'utf8'));
}

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
