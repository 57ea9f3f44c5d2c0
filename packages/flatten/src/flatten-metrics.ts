// Prometheus metric families -> sample rows, following the text exposition format:
// counter, gauge, untyped -> one sample named after the family; summary -> one sample per
// quantile (label `quantile`) plus `_sum` and `_count`; histogram and gauge histogram -> cumulative
// `_bucket` samples (label `le`, including `le="+Inf"` = sample count) plus `_sum` and `_count`.
// Labels keep the record's order (sorted by name) with `le`/`quantile` appended last, as Prometheus
// writes them, so the same metric always yields the same label arrays.
import type { LabelPair, Metric, MetricFamily } from '@opa-fleet/contracts';
import { FlattenError } from './flatten-error';
import { formatPrometheusFloat } from './prometheus-float';

/** A sample before it gets the report's key columns. */
export interface Sample {
  /** Metric family name (`http_request_duration_seconds`). */
  family: string;
  /** `COUNTER`, `GAUGE`, `SUMMARY`, `UNTYPED`, `HISTOGRAM`, `GAUGE_HISTOGRAM`. */
  type: string;
  /** Sample name as in the text exposition (`http_request_duration_seconds_bucket`). */
  name: string;
  /** Metric labels sorted by name, then `le` or `quantile` last, as parallel arrays. */
  label_names: string[];
  label_values: string[];
  value: number;
  timestamp_ms: number | null;
  /** The family's unit (`bytes`, `seconds`, ...); '' when it sent none (and for records before v4). */
  unit: string;
  /** When the metric's counter, summary or histogram was created, epoch micros; null when not sent. */
  created_timestamp_us: number | null;
}

export function flattenMetricFamilies(families: readonly MetricFamily[]): Sample[] {
  const samples: Sample[] = [];
  forEachSample(
    families,
    (family, type, name, label_names, label_values, value, timestamp_ms, unit, created_timestamp_us) => {
      samples.push({
        family,
        type,
        name,
        label_names,
        label_values,
        value,
        timestamp_ms,
        unit,
        created_timestamp_us,
      });
    },
  );
  return samples;
}

/** Receives the fields of one sample, in Sample's order (no object in between: the loader's hot path). */
export type SampleSink = (
  family: string,
  type: string,
  name: string,
  label_names: string[],
  label_values: string[],
  value: number,
  timestamp_ms: number | null,
  unit: string,
  created_timestamp_us: number | null,
) => void;

/** Every sample of the families, in order, handed to `emit`; throws FlattenError like flattenMetricFamilies. */
export function forEachSample(families: readonly MetricFamily[], emit: SampleSink): void {
  for (let f = 0; f < families.length; f++) {
    const family = families[f]!;
    for (let m = 0; m < family.metrics.length; m++) emitMetricSamples(emit, family, family.metrics[m]!, f, m);
  }
}

function emitMetricSamples(
  emit: SampleSink,
  family: MetricFamily,
  metric: Metric,
  f: number,
  m: number,
): void {
  const names = metric.labels.map((l: LabelPair) => l.name);
  const values = metric.labels.map((l: LabelPair) => l.value);
  const { name, type } = family;
  const ts = metric.timestamp_ms;
  // Every sample of a metric carries its family's unit and the metric's created timestamp (a histogram's
  // `_bucket`, `_sum` and `_count` alike), as OpenMetrics gives `# UNIT` and `_created` per metric.
  // `?? ''`, `?? null`: records decoded before v4 have the fields as null, hand-built ones may lack them.
  const unit = family.unit ?? '';
  const created = metric.created_timestamp ?? null;

  switch (type) {
    case 'COUNTER':
    case 'GAUGE':
    case 'UNTYPED': {
      if (metric.value === null) throw missing(family, metricPath(f, m, 'value'));
      emit(name, type, name, names, values, metric.value, ts, unit, created);
      return;
    }
    case 'SUMMARY': {
      const summary = metric.summary;
      if (!summary) throw missing(family, metricPath(f, m, 'summary'));
      for (const q of summary.quantiles) {
        const quantile = formatPrometheusFloat(q.quantile);
        emit(name, type, name, [...names, 'quantile'], [...values, quantile], q.value, ts, unit, created);
      }
      emit(name, type, `${name}_sum`, names, values, summary.sample_sum, ts, unit, created);
      emit(name, type, `${name}_count`, names, values, summary.sample_count, ts, unit, created);
      return;
    }
    case 'HISTOGRAM':
    case 'GAUGE_HISTOGRAM': {
      const histogram = metric.histogram;
      if (!histogram) throw missing(family, metricPath(f, m, 'histogram'));
      const bucket = `${name}_bucket`;
      let hasInf = false;
      for (const b of histogram.buckets) {
        if (b.upper_bound === Number.POSITIVE_INFINITY) hasInf = true;
        const le = formatPrometheusFloat(b.upper_bound);
        emit(name, type, bucket, [...names, 'le'], [...values, le], b.cumulative_count, ts, unit, created);
      }
      // OPA (client_model) omits the implicit +Inf bucket; the exposition always has it.
      if (!hasInf)
        emit(
          name,
          type,
          bucket,
          [...names, 'le'],
          [...values, '+Inf'],
          histogram.sample_count,
          ts,
          unit,
          created,
        );
      emit(name, type, `${name}_sum`, names, values, histogram.sample_sum, ts, unit, created);
      emit(name, type, `${name}_count`, names, values, histogram.sample_count, ts, unit, created);
      return;
    }
    default:
      throw new FlattenError(
        'UNKNOWN_METRIC_TYPE',
        `metric family ${name} has unknown type ${String(type)}`,
        `metric_families[${f}].metrics[${m}]`,
      );
  }
}

/** The path only matters in an error: built then, not for every metric. */
function metricPath(f: number, m: number, field: string): string {
  return `metric_families[${f}].metrics[${m}].${field}`;
}

function missing(family: MetricFamily, path: string): FlattenError {
  return new FlattenError(
    'MISSING_METRIC_VALUE',
    `${family.type} metric of ${family.name} has no value`,
    path,
  );
}
