// The status-loader end to end on the real Kafka and ClickHouse: every status fixture produced as an
// Avro record ends as exactly the rows flatten predicts; a corrupt record in the middle goes to the
// dead-letter topic while its neighbours land; a redelivered record counts once in the documented
// queries; a partition topic created after start is consumed within 30 s.
import { normalizeStatus, type StatusReport, statusCodec } from '@opa-fleet/contracts';
import { flattenStatus, STATUS_TABLES } from '@opa-fleet/flatten';
import { createKafkaClient, DEAD_LETTER_HEADERS, partitionTopicName } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import type { Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderTestEnv, readDeadLetters, until } from '../../../packages/loader/test/loader-test-env';
import { readFixture } from '../../../test/support/fixtures';
import { buildStatusLoader, loadStatusLoaderConfig, type StatusLoader } from '../src';

const t = loaderTestEnv('sl');
const { run, prefix, names, database, logger, rows, count } = t;
const config = loadStatusLoaderConfig(t.env);

const STATUS_FIXTURES = [
  'status-discovery-error.json',
  'status-full.json',
  'status-legacy-bundle.json',
  'status-prometheus-array.json',
  'status-prometheus-map.json',
  'status-prometheus-protojson.json',
];
const RECEIVED_AT = Date.UTC(2026, 10, 24, 12, 0, 0) * 1000 + 123_456;

function record(fixture: string, partition: string | null = null): StatusReport {
  return normalizeStatus(readFixture(fixture), {
    eventId: `${run}-${fixture}-${partition ?? 'default'}`,
    receivedAt: RECEIVED_AT,
    gatewayId: 'gw-it',
    userAgent: 'Open Policy Agent/1.4.2 (linux, amd64)',
    partition,
  });
}

let kafka: Kafka;
let producer: Producer;
let loader: StatusLoader;
let startedAt = 0;

/** ClickHouse's JSON rendering of a flatten row: DateTime as 'YYYY-MM-DD hh:mm:ss' (UTC columns). */
function asStored(row: object): Record<string, unknown> {
  const dateColumns = new Set([
    'received_at',
    'last_successful_download',
    'last_successful_activation',
    'last_request',
    'last_successful_request',
  ]);
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [
      k,
      dateColumns.has(k) && typeof v === 'number'
        ? new Date(v * 1000).toISOString().slice(0, 19).replace('T', ' ')
        : v,
    ]),
  );
}

beforeAll(async () => {
  kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: `it-sl-${run}`, logger });
  loader = buildStatusLoader({ config, logger, registry: createMetrics('status-loader-it') });
  await loader.start();
  startedAt = Date.now();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  // One key, so every record of the default topic lands in one partition, in this order.
  const messages = STATUS_FIXTURES.flatMap((f, i) => {
    const out = [{ key: 'k', value: statusCodec.encode(record(f)) }];
    if (i === 2) out.push({ key: 'k', value: Buffer.from('definitely not avro') });
    return out;
  });
  await producer.send({ topic: names.status, acks: -1, messages });
  // The same record delivered twice (as after a crash between insert and commit).
  await producer.send({
    topic: names.status,
    acks: -1,
    messages: [{ key: 'k', value: statusCodec.encode(record('status-full.json')) }],
  });
  await until(async () => (await count('status_reports')) >= STATUS_FIXTURES.length, 60_000, 'status rows');
  await until(async () => loader.consumer.status().pendingRecords === 0, 30_000, 'commit');
});

afterAll(async () => {
  await loader?.stop();
  await producer?.disconnect();
  await t.close();
});

describe('status-loader on the real Kafka and ClickHouse', () => {
  it.each(STATUS_FIXTURES)(
    '%s ends as exactly the rows flatten predicts, in every table',
    async (fixture) => {
      const expected = flattenStatus(record(fixture));
      for (const table of STATUS_TABLES) {
        const stored = await rows(
          `SELECT * FROM ${database}.${table} FINAL WHERE event_id = '${expected.status_reports[0]!.event_id}' ORDER BY seq`,
        );
        expect(stored, table).toEqual(expected[table].map(asStored));
      }
    },
  );

  it('status-prometheus-map.json: 12 _bucket rows incl. +Inf, one _sum, one _count; summary 5 quantiles + _sum + _count', async () => {
    const id = `${run}-status-prometheus-map.json-default`;
    const byName = await rows<{ name: string; n: number; les: string[] }>(
      `SELECT name, count() AS n, groupArray(label_values[indexOf(label_names, 'le')]) AS les
       FROM ${database}.prometheus_samples FINAL WHERE event_id = '${id}' GROUP BY name ORDER BY name`,
    );
    const n = Object.fromEntries(byName.map((r) => [r.name, r.n]));
    expect(n).toEqual({
      go_gc_duration_seconds: 5,
      go_gc_duration_seconds_count: 1,
      go_gc_duration_seconds_sum: 1,
      http_request_duration_seconds_bucket: 12,
      http_request_duration_seconds_count: 1,
      http_request_duration_seconds_sum: 1,
    });
    expect(byName.find((r) => r.name === 'http_request_duration_seconds_bucket')!.les).toContain('+Inf');
  });

  it('status-prometheus-protojson.json: the two plain counter_* numbers are two samples, the histogram 11 buckets', async () => {
    const id = `${run}-status-prometheus-protojson.json-default`;
    expect(await count('prometheus_samples', `event_id = '${id}' AND name LIKE 'counter\\_%'`)).toBe(2);
    expect(
      await count(
        'prometheus_samples',
        `event_id = '${id}' AND name = 'http_request_duration_seconds_bucket'`,
      ),
    ).toBe(11);
  });

  it('sends the corrupt record to the dead-letter topic with its origin, and loads its neighbours', async () => {
    const letters = await readDeadLetters(kafka, names.deadLetter);
    expect(letters.map((l) => l.value)).toEqual(['definitely not avro']);
    expect(letters[0]!.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.topic]: names.status,
      [DEAD_LETTER_HEADERS.offset]: '3',
      [DEAD_LETTER_HEADERS.group]: config.groupId,
    });
    expect(['CORRUPT_RECORD', 'UNKNOWN_SCHEMA']).toContain(
      letters[0]!.headers[DEAD_LETTER_HEADERS.errorCode],
    );
    // Neighbours on both sides (offsets 2 and 4) are in ClickHouse.
    for (const f of ['status-legacy-bundle.json', 'status-prometheus-array.json']) {
      expect(await count('status_reports', `event_id = '${run}-${f}-default'`)).toBe(1);
    }
  });

  it('counts the redelivered report once in the documented queries', async () => {
    const id = `${run}-status-full.json-default`;
    const [raw] = await rows<{ n: number }>(
      `SELECT count() AS n FROM ${database}.status_reports WHERE event_id = '${id}'`,
    );
    expect(raw!.n).toBeGreaterThanOrEqual(1);
    const latest = await t.documented<{ event_id: string }>('latest-status-of-instance', {
      instance_id: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    });
    expect(latest.map((r) => r.event_id)).toEqual([id]);
    const [distinct] = await rows<{ reports: number }>(
      `SELECT uniqExact(event_id) AS reports FROM ${database}.status_reports`,
    );
    expect(distinct!.reports).toBe(STATUS_FIXTURES.length);
    expect(await count('status_reports')).toBe(STATUS_FIXTURES.length);
  });

  it('consumes a partition topic created after it started within 30 s', async () => {
    expect(startedAt).toBeGreaterThan(0);
    const topic = partitionTopicName(prefix, 'eu-west');
    const admin = kafka.admin();
    await admin.connect();
    const created = Date.now();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'k', value: statusCodec.encode(record('status-full.json', 'eu-west')) }],
    });
    await until(
      async () => (await count('status_reports', `partition = 'eu-west'`)) === 1,
      30_000,
      'the new partition topic',
    );
    expect(Date.now() - created).toBeLessThan(30_000);
    expect(loader.ready()).toBe(true);
  });
});
