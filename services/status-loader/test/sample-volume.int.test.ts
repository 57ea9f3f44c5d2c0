// The metric volume controls on the real Kafka and ClickHouse, with what a real OPA v1.22.3 sends: a
// family excluded by pattern and the samples of reports inside an instance's minimum interval are not
// stored, while every status, bundle and plugin row is.
import { normalizeStatus, type StatusReport, statusCodec } from '@opa-fleet/contracts';
import { createKafkaClient } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderTestEnv, until } from '../../../packages/loader/test/loader-test-env';
import { realOpaStatusBodies } from '../../../test/support/fixtures';
import { buildStatusLoader, loadStatusLoaderConfig, type StatusLoader } from '../src';

const t = loaderTestEnv('sv');
const { run, names, database, logger, rows } = t;
const config = loadStatusLoaderConfig({
  ...t.env,
  SAMPLE_FAMILIES_EXCLUDE: '^go_',
  SAMPLE_MIN_INTERVAL_SECONDS: '60',
});
const REAL = JSON.parse(
  realOpaStatusBodies().find((b) => b.opaVersion === 'v1.22.3' && b.name === 'status-prometheus.json')!.text,
);
const T0 = Date.UTC(2026, 10, 24, 12, 0, 0) * 1000;

function report(instance: string, atSeconds: number): StatusReport {
  return normalizeStatus(
    { ...REAL, labels: { ...REAL.labels, id: `${run}-${instance}` } },
    {
      eventId: `${run}-${instance}-${atSeconds}`,
      receivedAt: T0 + atSeconds * 1_000_000,
      gatewayId: 'gw-it',
    },
  );
}
// a@0 stored, a@10 inside the interval, b@10 another instance, a@70 past the interval.
const REPORTS = [report('a', 0), report('a', 10), report('b', 10), report('a', 70)];

let producer: Producer;
let loader: StatusLoader;

beforeAll(async () => {
  const kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: `it-sv-${run}`, logger });
  loader = buildStatusLoader({ config, logger, registry: createMetrics('status-loader-sv-it') });
  await loader.start();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: names.status,
    acks: -1,
    // One key per instance, as the gateway keys them: each instance's reports stay in order.
    messages: REPORTS.map((r) => ({ key: r.labels.id, value: statusCodec.encode(r) })),
  });
  await until(async () => (await t.count('status_reports')) === REPORTS.length, 60_000, 'status rows');
});

afterAll(async () => {
  await loader?.stop();
  await producer?.disconnect();
  await t.close();
});

describe('status-loader metric volume controls', () => {
  it('stores every status, bundle and plugin row', async () => {
    const [counts] = await rows<{ reports: number; bundles: number; plugins: number }>(
      `SELECT (SELECT count() FROM ${database}.status_reports FINAL) AS reports,
              (SELECT uniqExact(event_id) FROM ${database}.bundles) AS bundles,
              (SELECT uniqExact(event_id) FROM ${database}.plugins) AS plugins`,
    );
    expect(counts).toEqual({ reports: 4, bundles: 4, plugins: 4 });
  });

  it('stores samples only outside the minimum interval of each instance, and no excluded family', async () => {
    const stored = await rows<{ event_id: string; families: number; go: number; sample_count: number }>(
      `SELECT r.event_id AS event_id, s.families AS families, s.go AS go, r.sample_count AS sample_count
       FROM (SELECT event_id, sample_count FROM ${database}.status_reports FINAL) AS r
       LEFT JOIN (SELECT event_id, uniqExact(family) AS families, countIf(family LIKE 'go\\\\_%') AS go
                  FROM ${database}.prometheus_samples GROUP BY event_id) AS s USING event_id
       ORDER BY event_id`,
    );
    const byEvent = Object.fromEntries(stored.map((r) => [r.event_id.slice(run.length + 1), r]));
    expect(Object.keys(byEvent).sort()).toEqual(['a-0', 'a-10', 'a-70', 'b-10']);
    for (const kept of ['a-0', 'b-10', 'a-70']) {
      expect(byEvent[kept]!.families, kept).toBeGreaterThan(0);
      expect(byEvent[kept]!.go, kept).toBe(0);
    }
    expect(byEvent['a-10']).toMatchObject({ families: 0, sample_count: 0 });
    const sent = Object.keys(REAL.metrics.prometheus);
    expect(byEvent['a-0']!.families).toBe(sent.filter((name) => !name.startsWith('go_')).length);
  });
});
