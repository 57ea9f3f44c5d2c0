// What real OPA binaries sent (test/fixtures/opa-real): every family's `unit` and every metric's
// `createdTimestamp` reaches the sample rows, through normalization, the Avro record the gateway writes
// (status schema v4) and the status-loader's decoding. The expectations are read from the JSON bodies
// directly, independently of the code under test.
import { normalizeStatus, statusCodec } from '@opa-fleet/contracts';
import { describe, expect, it } from 'vitest';
import { realOpaStatusBodies } from '../../../test/support/fixtures';
import { flattenStatus } from '../src';

interface SentMetric {
  [holder: string]: unknown;
}
interface SentFamily {
  unit?: string;
  metric?: SentMetric[];
}

const ctx = { eventId: 'e', receivedAt: 1_764_578_200_000_000, gatewayId: 'gw', partition: null };

/** Epoch micros of an RFC 3339 UTC text with up to 9 fraction digits (the nanoseconds truncated). */
function micros(text: string): number {
  const m = /^(.{19})(?:\.(\d{1,9}))?Z$/.exec(text);
  if (!m) throw new Error(`not a UTC RFC 3339 text: ${text}`);
  return Date.parse(`${m[1]}Z`) * 1000 + Number((m[2] ?? '').padEnd(9, '0').slice(0, 6));
}

/** The created timestamps a family's metrics were sent with, in order, as epoch micros. */
function sentCreated(family: SentFamily): number[] {
  return (family.metric ?? []).flatMap((metric) =>
    Object.values(metric).flatMap((holder) => {
      const created = (holder as { createdTimestamp?: unknown } | null)?.createdTimestamp;
      return typeof created === 'string' ? [micros(created)] : [];
    }),
  );
}

const bodies = realOpaStatusBodies();

describe('units and created timestamps of the real-OPA corpus', () => {
  it('are in the v1.22.3 body as counted: 113 families with a unit, 82 created timestamps', () => {
    const body = JSON.parse(
      bodies.find((b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json')!.text,
    );
    const families = Object.values(body.metrics.prometheus).filter(
      (f): f is SentFamily => typeof f === 'object',
    );
    expect(families.filter((f) => f.unit !== undefined)).toHaveLength(113);
    expect(families.flatMap(sentCreated)).toHaveLength(82);
  });

  it.each(bodies.map((b) => [`${b.opaVersion}/${b.name}`, b.text] as const))(
    '%s: every unit and created timestamp reaches the sample rows of the decoded record',
    (_name, text) => {
      const body = JSON.parse(text);
      const sent = Object.entries(body.metrics.prometheus as Record<string, SentFamily | number>).filter(
        (entry): entry is [string, SentFamily] => typeof entry[1] === 'object',
      );
      const record = statusCodec.decode(statusCodec.encode(normalizeStatus(body, ctx)));
      const rows = flattenStatus(record).prometheus_samples;

      let unitsSeen = 0;
      let createdSeen = 0;
      for (const [name, family] of sent) {
        const familyRows = rows.filter((r) => r.family === name);
        if ((family.metric ?? []).length === 0) continue; // an empty family has no sample to carry it
        expect(familyRows.length, name).toBeGreaterThan(0);
        expect(new Set(familyRows.map((r) => r.unit)), name).toEqual(new Set([family.unit ?? '']));
        if (family.unit !== undefined) unitsSeen++;
        const created = sentCreated(family);
        const stored = [...new Set(familyRows.map((r) => r.created_timestamp_us))];
        // Every sample of a metric carries its created timestamp: none is left without one where it was sent.
        expect(stored, name).toEqual(created.length === 0 ? [null] : [...new Set(created)]);
        createdSeen += created.length;
      }
      expect(unitsSeen).toBe(
        sent.filter(([, f]) => f.unit !== undefined && (f.metric ?? []).length > 0).length,
      );
      expect(createdSeen).toBe(sent.flatMap(([, f]) => sentCreated(f)).length);
    },
  );
});
