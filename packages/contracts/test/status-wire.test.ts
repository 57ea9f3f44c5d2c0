import { describe, expect, it } from 'vitest';
import { readFixtureText, realOpaStatusBodies } from '../../../test/support/fixtures';
import {
  createRecordCodec,
  knownHelpTexts,
  loadSchemaVersions,
  type MetricFamily,
  type NormalizeContext,
  normalizeStatus,
  type StatusReport,
  statusCodec,
  statusWireMapping,
} from '../src/index';

const versions = loadSchemaVersions().get('status-report')!;
const v2 = versions.find((v) => v.version === 2)!.schema;
const v1Writer = createRecordCodec<StatusReport>({
  versions,
  writeVersion: 1,
  wireMapping: statusWireMapping,
});
const v1Reader = createRecordCodec<StatusReport>({
  versions,
  readVersion: 1,
  wireMapping: statusWireMapping,
});

const ctx: NormalizeContext = {
  eventId: '3b241101-e2bb-4255-8caf-4136c566a962',
  receivedAt: 1_763_892_902_123_456,
  gatewayId: 'gateway-1',
  userAgent: 'Open Policy Agent/v1.4.2 (linux, amd64)',
  partition: null,
};

/** The report as a writer of versions 1 to 3 carries it: without the fields version 4 added. */
function withoutVersion4Fields(report: StatusReport): StatusReport {
  return {
    ...report,
    metric_families: report.metric_families.map((f) => ({
      ...f,
      unit: null,
      metrics: f.metrics.map((m) => ({ ...m, created_timestamp: null })),
    })),
  };
}

const GOROUTINES_HELP = 'Number of goroutines that currently exist.';

function reportWith(families: unknown[], userAgent: string | undefined = ctx.userAgent): StatusReport {
  return normalizeStatus(
    { labels: { id: 'i-1', version: '1.4.2' }, metrics: { prometheus: families } },
    { ...ctx, userAgent },
  );
}

function gauge(help: string, value: number) {
  return { name: 'go_goroutines', help, type: 1, metric: [{ gauge: { value } }] };
}

describe('status records from schema version 2 on', () => {
  it('are at most 35% of the JSON body for status-full.json', () => {
    const text = readFixtureText('status-full.json');
    const encoded = statusCodec.encode(normalizeStatus(JSON.parse(text), ctx));
    expect(encoded.length / Buffer.byteLength(text)).toBeLessThanOrEqual(0.35);
  });

  it('send a standard help text as a reference and decode it back to the text', () => {
    expect(knownHelpTexts(v2)).toContain(GOROUTINES_HELP);
    const standard = reportWith([gauge(GOROUTINES_HELP, 42)]);
    const custom = reportWith([gauge(GOROUTINES_HELP.toUpperCase(), 42)]); // same length, not standard
    const standardBytes = statusCodec.encode(standard);
    expect(statusCodec.encode(custom).length - standardBytes.length).toBeGreaterThanOrEqual(
      GOROUTINES_HELP.length - 1,
    );
    expect(statusCodec.decode(standardBytes)).toEqual(standard);
    expect(statusCodec.decode(standardBytes).metric_families[0]!.help).toBe(GOROUTINES_HELP);
    expect(statusCodec.decode(statusCodec.encode(custom))).toEqual(custom);
  });

  it('write whole numbers as varints and keep every other number exact', () => {
    const whole = statusCodec.encode(reportWith([gauge('h', 42)]));
    const fraction = statusCodec.encode(reportWith([gauge('h', 42.5)]));
    expect(fraction.length - whole.length).toBe(7); // a 1-byte varint against an 8-byte double
    for (const value of [
      0,
      -0,
      1,
      -1,
      0.1,
      2 ** 47,
      -(2 ** 47),
      2 ** 48,
      2 ** 53 + 2,
      -4503599627370497,
      1e300,
    ]) {
      const report = reportWith([gauge('h', value)]);
      const decoded = statusCodec.decode(statusCodec.encode(report)).metric_families[0]!.metrics[0]!.value;
      expect(Object.is(decoded, value), `value ${value} came back as ${decoded}`).toBe(true);
    }
    const bundles = normalizeStatus(
      {
        labels: { id: 'i', version: 'v' },
        bundles: { b: { metrics: { timer_rego_load_bundles_ns: 7733120, ratio: 0.25 } } },
      },
      ctx,
    );
    expect(statusCodec.decode(statusCodec.encode(bundles)).bundles[0]!.metrics).toEqual({
      timer_rego_load_bundles_ns: 7733120,
      ratio: 0.25,
    });
  });

  it('do not repeat a User-Agent its parsed fields spell, and keep any other exactly', () => {
    const canonical = reportWith([]);
    const spelledOtherwise = reportWith([], 'Open Policy Agent/v1.4.2 (Linux, amd64)');
    // The header's bytes and their 1-byte length.
    expect(statusCodec.encode(spelledOtherwise).length - statusCodec.encode(canonical).length).toBe(
      'Open Policy Agent/v1.4.2 (Linux, amd64)'.length + 1,
    );
    for (const userAgent of [
      ctx.userAgent,
      'Open Policy Agent/v1.4.2 (Linux, amd64)',
      'Open Policy Agent/v1.4.2',
      'Open Policy Agent/v1.4.2 (, amd64)',
      'curl/8.5.0',
      '  curl/8.5.0',
      'no agent here',
      undefined,
    ]) {
      const report = reportWith([], userAgent);
      expect(statusCodec.decode(statusCodec.encode(report)).client).toEqual(report.client);
    }
  });

  it('read version 1 records, and version 1 readers read them with the wire-only savings missing', () => {
    const text = readFixtureText('status-full.json');
    const report = normalizeStatus(JSON.parse(text), ctx);
    expect(statusCodec.decode(v1Writer.encode(report))).toEqual(withoutVersion4Fields(report));

    const seenByV1 = v1Reader.decode(statusCodec.encode(report));
    const histogram = report.metric_families.find((f) => f.name === 'http_request_duration_seconds')!;
    expect(histogram.help).toBe('A histogram of duration for requests.'); // a standard text
    const old = seenByV1.metric_families.find((f) => f.name === 'http_request_duration_seconds')!;
    expect(old.help).toBeNull();
    expect(old.metrics).toEqual(
      histogram.metrics.map(({ created_timestamp: _, ...fieldsOfVersion1 }) => fieldsOfVersion1),
    );
    expect(seenByV1.client.user_agent).toBeNull();
    expect(seenByV1.bundles).toEqual(report.bundles);
    expect(seenByV1.labels).toEqual(report.labels);
  });

  it('leave the help text null for a reference past the texts the reader knows', () => {
    const wire = statusWireMapping(v2)!;
    const family = { name: 'x', help: null, help_ref: 1_000_000, type: 'GAUGE', unit: null, metrics: [] };
    const decoded = wire.fromWire({ ...reportWith([]), metric_families: [family as MetricFamily] });
    expect(decoded.metric_families).toEqual([
      { name: 'x', help: null, type: 'GAUGE', unit: null, metrics: [] },
    ]);
  });

  it('do not change the record they encode', () => {
    const report = reportWith([gauge(GOROUTINES_HELP, 1)]);
    const before = structuredClone(report);
    statusCodec.encode(report);
    expect(report).toEqual(before);
  });
});

describe('status records from schema version 3 on', () => {
  const v3 = versions.find((v) => v.version === 3)!.schema;
  const v2Writer = createRecordCodec<StatusReport>({
    versions,
    writeVersion: 2,
    wireMapping: statusWireMapping,
  });

  it('only append to the standard help texts of version 2', () => {
    const old = knownHelpTexts(v2)!;
    expect(knownHelpTexts(v3)!.slice(0, old.length)).toEqual(old);
    expect(new Set(knownHelpTexts(v3)).size).toBe(knownHelpTexts(v3)!.length);
  });

  it.each(realOpaStatusBodies().map((b) => [`${b.opaVersion}/${b.name}`, b.text] as const))(
    'send every help text of what real OPA sent (%s) by reference, at under a fifth of the JSON',
    (_name, text) => {
      const report = normalizeStatus(JSON.parse(text), ctx);
      const texts = new Set(knownHelpTexts(v3));
      expect(report.metric_families.filter((f) => f.help !== null && !texts.has(f.help))).toEqual([]);
      const encoded = statusCodec.encode(report);
      expect(encoded.length / Buffer.byteLength(text)).toBeLessThan(0.2);
      expect(encoded.length).toBeLessThan(v2Writer.encode(report).length / 2);
      expect(statusCodec.decode(encoded)).toEqual(report);
      expect(statusCodec.decode(v2Writer.encode(report))).toEqual(withoutVersion4Fields(report));
    },
  );
});

describe('status records from schema version 4 on', () => {
  const realBody = realOpaStatusBodies().find(
    (b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json',
  )!.text;
  const report = normalizeStatus(JSON.parse(realBody), ctx);
  const writerOf = (version: number) =>
    createRecordCodec<StatusReport>({ versions, writeVersion: version, wireMapping: statusWireMapping });
  const readerOf = (version: number) =>
    createRecordCodec<StatusReport>({ versions, readVersion: version, wireMapping: statusWireMapping });

  it('carry the units and created timestamps of the real v1.22.3 body', () => {
    const decoded = statusCodec.decode(statusCodec.encode(report));
    expect(decoded.metric_families.filter((f) => f.unit !== null)).toHaveLength(113);
    expect(
      decoded.metric_families.flatMap((f) => f.metrics).filter((m) => m.created_timestamp !== null),
    ).toHaveLength(82);
    expect(decoded).toEqual(report);
  });

  it.each([1, 2, 3])('read version %i records with the unit and created timestamp null', (version) => {
    expect(statusCodec.decode(writerOf(version).encode(report))).toEqual(withoutVersion4Fields(report));
  });

  it.each([1, 2, 3])('are read by version %i readers, without the new fields', (version) => {
    const seen = readerOf(version).decode(statusCodec.encode(report));
    expect(seen.metric_families.map((f) => f.name)).toEqual(report.metric_families.map((f) => f.name));
    expect(seen.metric_families.some((f) => 'unit' in f && f.unit !== null)).toBe(false);
    expect(seen.labels).toEqual(report.labels);
  });
});
