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
}

export function flattenMetricFamilies(families: readonly MetricFamily[]): Sample[] {
  const samples: Sample[] = [];
  families.forEach((family, f) => {
    family.metrics.forEach((metric, m) => {
      appendMetricSamples(samples, family, metric, `metric_families[${f}].metrics[${m}]`);
    });
  });
  return samples;
}

function appendMetricSamples(out: Sample[], family: MetricFamily, metric: Metric, path: string): void {
  const names = metric.labels.map((l: LabelPair) => l.name);
  const values = metric.labels.map((l: LabelPair) => l.value);
  const push = (suffix: string, value: number, extra?: [string, string]) => {
    out.push({
      family: family.name,
      type: family.type,
      name: family.name + suffix,
      label_names: extra ? [...names, extra[0]] : names,
      label_values: extra ? [...values, extra[1]] : values,
      value,
      timestamp_ms: metric.timestamp_ms,
    });
  };

  switch (family.type) {
    case 'COUNTER':
    case 'GAUGE':
    case 'UNTYPED': {
      if (metric.value === null) throw missing(family, `${path}.value`);
      push('', metric.value);
      return;
    }
    case 'SUMMARY': {
      const summary = metric.summary;
      if (!summary) throw missing(family, `${path}.summary`);
      for (const q of summary.quantiles) push('', q.value, ['quantile', formatPrometheusFloat(q.quantile)]);
      push('_sum', summary.sample_sum);
      push('_count', summary.sample_count);
      return;
    }
    case 'HISTOGRAM':
    case 'GAUGE_HISTOGRAM': {
      const histogram = metric.histogram;
      if (!histogram) throw missing(family, `${path}.histogram`);
      let hasInf = false;
      for (const b of histogram.buckets) {
        if (b.upper_bound === Number.POSITIVE_INFINITY) hasInf = true;
        push('_bucket', b.cumulative_count, ['le', formatPrometheusFloat(b.upper_bound)]);
      }
      // OPA (client_model) omits the implicit +Inf bucket; the exposition always has it.
      if (!hasInf) push('_bucket', histogram.sample_count, ['le', '+Inf']);
      push('_sum', histogram.sample_sum);
      push('_count', histogram.sample_count);
      return;
    }
    default:
      throw new FlattenError(
        'UNKNOWN_METRIC_TYPE',
        `metric family ${family.name} has unknown type ${String(family.type)}`,
        path,
      );
  }
}

function missing(family: MetricFamily, path: string): FlattenError {
  return new FlattenError(
    'MISSING_METRIC_VALUE',
    `${family.type} metric of ${family.name} has no value`,
    path,
  );
}
