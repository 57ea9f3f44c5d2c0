// Which Prometheus samples of a status report are stored: the metric volume controls. Kafka keeps every
// record, so a changed setting can be replayed from the topic; the status, bundle and plugin rows of a
// report are always stored, only its samples are thinned:
//   - families by name: an include pattern (only matching families) and an exclude pattern;
//   - per instance, at most one report's samples per `minIntervalSeconds` of report time
//     (`received_at`, so a replay or a redelivery decides the same way as the first pass).
// One instance's reports are in one Kafka partition (keyed by instance id), so one loader sees them in
// order. Defaults keep everything.
import type { MetricFamily, StatusReport } from '@opa-fleet/contracts';

export interface SampleVolumeSettings {
  /** Only families whose name matches are stored; null: every family. */
  include: RegExp | null;
  /** Families whose name matches are not stored; null: none excluded. */
  exclude: RegExp | null;
  /** An instance's samples are stored at most once per this many seconds; 0: every report's. */
  minIntervalSeconds: number;
}

export const KEEP_EVERY_SAMPLE: SampleVolumeSettings = {
  include: null,
  exclude: null,
  minIntervalSeconds: 0,
};

export interface SampleVolumeControl {
  /** The report with only the families to store (the same object when nothing is dropped). */
  apply(report: StatusReport): StatusReport;
}

/** Instances remembered before entries older than the interval are pruned. */
const PRUNE_AT = 100_000;

export function createSampleVolumeControl(settings: SampleVolumeSettings): SampleVolumeControl {
  const { include, exclude } = settings;
  const intervalUs = settings.minIntervalSeconds * 1_000_000;
  /** Report time (µs) of each instance's last report whose samples were stored. */
  const lastStored = new Map<string, number>();
  const byName = (family: MetricFamily) =>
    (include === null || include.test(family.name)) && !exclude?.test(family.name);

  function withinInterval(report: StatusReport): boolean {
    if (intervalUs === 0) return false;
    const last = lastStored.get(report.labels.id);
    // A report older than the last stored one (redelivered after a rebalance) is judged on its own time.
    if (last !== undefined && report.received_at >= last && report.received_at - last < intervalUs)
      return true;
    if (lastStored.size >= PRUNE_AT) prune(report.received_at);
    lastStored.set(report.labels.id, Math.max(report.received_at, last ?? 0));
    return false;
  }

  function prune(now: number): void {
    for (const [instance, at] of lastStored) if (now - at >= intervalUs) lastStored.delete(instance);
  }

  return {
    apply(report) {
      if (report.metric_families.length === 0) return report;
      if (withinInterval(report)) return { ...report, metric_families: [] };
      if (include === null && exclude === null) return report;
      const kept = report.metric_families.filter(byName);
      return kept.length === report.metric_families.length ? report : { ...report, metric_families: kept };
    },
  };
}
