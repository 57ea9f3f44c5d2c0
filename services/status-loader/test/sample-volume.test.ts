// The metric volume controls, without servers: families by pattern, a minimum interval per instance,
// and the status, bundle and plugin rows of every report kept.
import { normalizeStatus, type StatusReport } from '@opa-fleet/contracts';
import { flattenStatus } from '@opa-fleet/flatten';
import { describe, expect, it } from 'vitest';
import { realOpaStatusBodies } from '../../../test/support/fixtures';
import { createSampleVolumeControl, KEEP_EVERY_SAMPLE } from '../src';

const REAL = JSON.parse(realOpaStatusBodies().find((b) => b.name === 'status-prometheus.json')!.text);
const SECOND = 1_000_000;

function report(instance: string, atSeconds: number): StatusReport {
  return normalizeStatus(
    { ...REAL, labels: { ...REAL.labels, id: instance } },
    {
      eventId: `${instance}-${atSeconds}`,
      receivedAt: 1_764_000_000 * SECOND + atSeconds * SECOND,
      gatewayId: 'gw',
    },
  );
}

const familiesOf = (r: StatusReport) => r.metric_families.map((f) => f.name);

describe('sample volume controls', () => {
  it('keep every sample by default (the same report object)', () => {
    const control = createSampleVolumeControl(KEEP_EVERY_SAMPLE);
    const r = report('a', 0);
    expect(control.apply(r)).toBe(r);
    expect(control.apply(report('a', 1)).metric_families.length).toBe(r.metric_families.length);
  });

  it('store only the families an include pattern matches, minus those an exclude pattern matches', () => {
    const control = createSampleVolumeControl({
      include: /^(go_|opa_)/u,
      exclude: /^go_gc_/u,
      minIntervalSeconds: 0,
    });
    const kept = familiesOf(control.apply(report('a', 0)));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((name) => /^(go_|opa_)/.test(name) && !name.startsWith('go_gc_'))).toBe(true);
    expect(familiesOf(report('a', 0)).some((name) => name.startsWith('go_gc_'))).toBe(true);
  });

  it("store an instance's samples at most once per interval of report time, each instance on its own", () => {
    const control = createSampleVolumeControl({ include: null, exclude: null, minIntervalSeconds: 60 });
    const stored = (instance: string, at: number) =>
      control.apply(report(instance, at)).metric_families.length > 0;
    expect([
      stored('a', 0),
      stored('a', 30),
      stored('b', 30),
      stored('a', 59),
      stored('a', 60),
      stored('a', 61),
    ]).toEqual([true, false, true, false, true, false]);
  });

  it('keep the status, bundle and plugin rows of a report whose samples are not stored', () => {
    const control = createSampleVolumeControl({ include: null, exclude: null, minIntervalSeconds: 60 });
    control.apply(report('a', 0));
    const thinned = report('a', 10);
    const rows = flattenStatus(control.apply(thinned));
    const full = flattenStatus(thinned);
    expect(rows.prometheus_samples).toEqual([]);
    expect(rows.status_reports).toHaveLength(1);
    expect(rows.status_reports[0]).toMatchObject({ event_id: thinned.event_id, sample_count: 0 });
    expect(rows.bundles).toEqual(full.bundles);
    expect(rows.plugins).toEqual(full.plugins);
  });
});
