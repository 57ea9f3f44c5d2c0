import { describe, expect, it } from 'vitest';
import { serviceHealth } from '../src/ingestion-health';
import { parsePrometheusText } from '../src/prometheus-text';

const LOADER = `# HELP loader_consumer_lag Records behind the partition high watermark after the last fetched batch
# TYPE loader_consumer_lag gauge
loader_consumer_lag{topic="opa.status",partition="0",service="status-loader"} 12
loader_consumer_lag{topic="opa.status",partition="1",service="status-loader"} 3
loader_consumer_lag{topic="opa.status.eu",partition="0",service="status-loader"} 5
# HELP loader_dead_letters_total Records sent to the dead-letter topic
# TYPE loader_dead_letters_total counter
loader_dead_letters_total{topic="opa.status",code="DECODE_FAILED",service="status-loader"} 2
loader_dead_letters_total{topic="opa.status.eu",code="FLATTEN_FAILED",service="status-loader"} 1
# TYPE loader_sink_healthy gauge
loader_sink_healthy{service="status-loader"} 0
# TYPE loader_pending_records gauge
loader_pending_records{service="status-loader"} 514
`;

const GATEWAY = `# TYPE gateway_reports_accepted_total counter
gateway_reports_accepted_total{kind="status",route="default",service="gateway"} 100
gateway_reports_accepted_total{kind="telemetry",route="default",service="gateway"} 50
# TYPE gateway_reports_rejected_total counter
gateway_reports_rejected_total{route="/status",reason="MALFORMED_JSON",service="gateway"} 4
# HELP gateway_decision_events_rejected_total Decision events refused inside an accepted upload
# TYPE gateway_decision_events_rejected_total counter
`;

describe('parsePrometheusText', () => {
  it('reads names, labels (with escapes), values and declared families; skips timestamps', () => {
    const { samples, families } = parsePrometheusText(
      '# TYPE a counter\na{x="q\\"uote",y="line\\nbreak"} 1.5 1700000000000\nb +Inf\nc NaN\n\nnot a sample line\n',
    );
    expect([...families]).toEqual(['a']);
    expect(samples[0]).toEqual({ name: 'a', labels: { x: 'q"uote', y: 'line\nbreak' }, value: 1.5 });
    expect(samples[1]!.value).toBe(Number.POSITIVE_INFINITY);
    expect(samples[2]!.value).toBeNaN();
    expect(samples).toHaveLength(3);
  });
});

describe('serviceHealth', () => {
  const target = { name: 'status-loader', url: 'http://x/metrics' };

  it('sums a loader’s lag over partitions (and per topic), its dead letters, sink health and pending records', () => {
    expect(serviceHealth(target, parsePrometheusText(LOADER))).toMatchObject({
      up: true,
      consumerLag: 20,
      lagByTopic: { 'opa.status': 15, 'opa.status.eu': 5 },
      deadLetters: 3,
      sinkHealthy: false,
      pendingRecords: 514,
      reportsAccepted: null,
    });
  });

  it('a declared counter without samples is 0; a metric the service does not have is null', () => {
    const health = serviceHealth({ name: 'gateway', url: 'u' }, parsePrometheusText(GATEWAY));
    expect(health).toMatchObject({
      reportsAccepted: 150,
      reportsRejected: 4,
      rejectedDecisionEvents: 0,
      consumerLag: null,
      deadLetters: null,
      sinkHealthy: null,
    });
  });
});
