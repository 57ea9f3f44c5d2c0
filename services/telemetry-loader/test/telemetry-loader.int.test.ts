// The telemetry-loader on the real Kafka and ClickHouse: the telemetry fixture produced as an Avro
// record ends as exactly its version_reports row, release records land in `releases`, a corrupt
// record is dead-lettered, a redelivered report counts once; a GitHub-style version check ends as its
// version_checks row.
import {
  normalizeTelemetry,
  releaseCodec,
  type TelemetryReport,
  telemetryCodec,
  type VersionCheck,
  versionCheckCodec,
} from '@opa-fleet/contracts';
import { flattenTelemetry, flattenVersionCheck } from '@opa-fleet/flatten';
import { createKafkaClient, DEAD_LETTER_HEADERS } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import type { Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderTestEnv, readDeadLetters, until } from '../../../packages/loader/test/loader-test-env';
import { readFixture } from '../../../test/support/fixtures';
import { buildTelemetryLoader, loadTelemetryLoaderConfig, type TelemetryLoader } from '../src';

const t = loaderTestEnv('tl');
const { run, names, database, logger, rows } = t;
const config = loadTelemetryLoaderConfig(t.env);
const NOW = Math.floor(Date.now() / 1000) * 1_000_000;

const report = (eventId: string, id: string, version: string): TelemetryReport => ({
  ...normalizeTelemetry(readFixture('telemetry-request.json'), {
    eventId,
    receivedAt: NOW,
    gatewayId: 'gw-it',
    userAgent: 'Open Policy Agent/v0.12.3 (darwin, amd64)',
  }),
  id,
  version,
});

const fixture = normalizeTelemetry(readFixture('telemetry-request.json'), {
  eventId: `${run}-fixture`,
  receivedAt: NOW,
  gatewayId: 'gw-it',
  userAgent: 'Open Policy Agent/v0.12.3 (darwin, amd64)',
});

const check: VersionCheck = {
  event_id: `${run}-check`,
  received_at: NOW,
  gateway_id: 'gw-it',
  repository: 'open-policy-agent/opa',
  endpoint: 'latest',
  user_agent: 'OPA-Version-Checker',
  answered_tag: 'v0.19.2',
  not_modified: false,
};

let kafka: Kafka;
let producer: Producer;
let loader: TelemetryLoader;

beforeAll(async () => {
  kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: `it-tl-${run}`, logger });
  loader = buildTelemetryLoader({ config, logger, registry: createMetrics('telemetry-loader-it') });
  await loader.start();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: names.telemetry,
    acks: -1,
    messages: [
      // One key: one partition, in this order (the corrupt record at offset 1, between two good ones).
      { key: 'k', value: telemetryCodec.encode(fixture) },
      { key: 'k', value: Buffer.from([0xc3, 0x01, 1, 2, 3]) },
      { key: 'k', value: telemetryCodec.encode(report(`${run}-b`, 'B', '0.19.2')) },
      { key: 'k', value: telemetryCodec.encode(report(`${run}-b`, 'B', '0.19.2')) },
    ],
  });
  await producer.send({
    topic: names.releases,
    acks: -1,
    messages: [
      {
        key: 'latest',
        value: releaseCodec.encode({
          channel: 'latest',
          tag: 'v0.19.2',
          release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.2',
          download_base: 'https://openpolicyagent.org/downloads',
          published_at: null,
          source: 'file',
          updated_at: NOW,
        }),
      },
    ],
  });
  // Sent twice: a redelivery.
  await producer.send({
    topic: names.versionChecks,
    acks: -1,
    messages: [0, 1].map(() => ({ key: check.event_id, value: versionCheckCodec.encode(check) })),
  });
  await until(async () => (await t.count('version_reports')) >= 2, 60_000, 'version reports');
  await until(async () => (await t.count('version_checks')) >= 1, 60_000, 'version checks');
  await until(async () => loader.consumer.status().pendingRecords === 0, 30_000, 'commit');
});

afterAll(async () => {
  await loader?.stop();
  await producer?.disconnect();
  await t.close();
});

describe('telemetry-loader on the real Kafka and ClickHouse', () => {
  it('telemetry-request.json ends as exactly its version_reports row', async () => {
    const stored = await rows(
      `SELECT * FROM ${database}.version_reports FINAL WHERE event_id = '${run}-fixture'`,
    );
    const expected = flattenTelemetry(fixture);
    expect(stored).toEqual([
      {
        ...expected,
        received_at: new Date(expected.received_at * 1000).toISOString().slice(0, 19).replace('T', ' '),
      },
    ]);
    expect(stored[0]).toMatchObject({
      version: 'v0.12.3',
      heap_usage_bytes: 596000,
      os: 'darwin',
      arch: 'amd64',
    });
  });

  it('counts the redelivered report once and loads the release record', async () => {
    const [r] = await rows<{ reports: number; instances: number }>(
      `SELECT uniqExact(event_id) AS reports, uniqExact(instance_id) AS instances FROM ${database}.version_reports`,
    );
    expect(r).toEqual({ reports: 2, instances: 2 });
    await until(
      async () => (await rows(`SELECT tag FROM ${database}.releases FINAL`)).length === 1,
      30_000,
      'release row',
    );
    expect(await rows(`SELECT channel, tag, source FROM ${database}.releases FINAL`)).toEqual([
      { channel: 'latest', tag: 'v0.19.2', source: 'file' },
    ]);
  });

  it('loads a version check as exactly its version_checks row, once', async () => {
    const stored = await rows(`SELECT * FROM ${database}.version_checks FINAL`);
    const expected = flattenVersionCheck(check);
    expect(stored).toEqual([
      {
        ...expected,
        received_at: new Date(expected.received_at * 1000).toISOString().slice(0, 19).replace('T', ' '),
      },
    ]);
    const [r] = await rows<{ checks: number }>(
      `SELECT uniqExact(event_id) AS checks FROM ${database}.version_checks`,
    );
    expect(r).toEqual({ checks: 1 });
  });

  it('dead-letters the corrupt record with its origin', async () => {
    const headers = (await readDeadLetters(kafka, names.deadLetter)).map((l) => l.headers);
    expect(headers).toHaveLength(1);
    expect(headers[0]).toMatchObject({
      [DEAD_LETTER_HEADERS.topic]: names.telemetry,
      [DEAD_LETTER_HEADERS.offset]: '1',
    });
    expect(['CORRUPT_RECORD', 'UNKNOWN_SCHEMA']).toContain(headers[0]![DEAD_LETTER_HEADERS.errorCode]);
  });
});
