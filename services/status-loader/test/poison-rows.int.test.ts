// A record whose rows ClickHouse refuses (here: a negative count for a UInt32 column, which both
// ClickHouse 18.16 and current ClickHouse reject with code 72) in the middle of a batch, on the real
// Kafka and ClickHouse: the loader isolates it by bisecting the batch, dead-letters it with the
// ClickHouse error, loads its neighbours and commits; nothing blocks the partition.

import { STATUS_TABLE_SPECS } from '@opa-fleet/clickhouse';
import { normalizeStatus, statusCodec } from '@opa-fleet/contracts';
import { createKafkaClient, DEAD_LETTER_HEADERS } from '@opa-fleet/kafka';
import { createLoaderService, type LoaderService } from '@opa-fleet/loader';
import { createMetrics } from '@opa-fleet/runtime';
import type { Kafka } from 'kafkajs';
import type { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderTestEnv, readDeadLetters, until } from '../../../packages/loader/test/loader-test-env';
import { readFixture } from '../../../test/support/fixtures';
import { loadStatusLoaderConfig, statusRowsOf } from '../src';

const t = loaderTestEnv('slp');
const { run, names, database, logger } = t;
const config = loadStatusLoaderConfig({ ...t.env, BATCH_MAX_WAIT_MS: '1500' });
const registry = createMetrics('status-loader-poison-it');
const POISON_HEADER = 'it-poison';
const RECORDS = 9;
const POISONED = new Set([3, 6]);

let kafka: Kafka;
let loader: LoaderService;

const eventId = (i: number) => `${run}-${i}`;

beforeAll(async () => {
  kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: `it-slp-${run}`, logger });
  loader = createLoaderService({
    config,
    logger,
    registry,
    topics: (n) => [n.status],
    tables: STATUS_TABLE_SPECS,
    // The real pipeline, plus a value ClickHouse refuses for the records the test marks.
    rowsOf: (record) => {
      const rows = statusRowsOf(record);
      if (record.headers[POISON_HEADER] === undefined) return rows;
      return { ...rows, status_reports: rows.status_reports.map((r) => ({ ...r, sample_count: -1 })) };
    },
  });
  // Created first (topics, migrations), filled, then consumed: the records arrive as one batch.
  await loader.start();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: names.status,
    acks: -1,
    messages: Array.from({ length: RECORDS }, (_, i) => ({
      key: 'k',
      value: statusCodec.encode(
        normalizeStatus(readFixture('status-full.json'), {
          eventId: eventId(i),
          receivedAt: Date.now() * 1000,
          gatewayId: 'gw-it',
          partition: null,
        }),
      ),
      headers: POISONED.has(i) ? { [POISON_HEADER]: '1' } : {},
    })),
  });
  await producer.disconnect();
});

afterAll(async () => {
  await loader?.stop();
  await t.close();
});

async function committedTotal(): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: config.groupId, topics: [names.status] });
    return entry!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('status-loader: rows ClickHouse refuses', () => {
  it('dead-letters the refused records with the ClickHouse error, loads their neighbours, commits everything', async () => {
    await until(async () => (await committedTotal()) === RECORDS, 60_000, 'all offsets committed');

    const loaded = await t.rows<{ event_id: string }>(
      `SELECT event_id FROM ${database}.status_reports FINAL ORDER BY event_id`,
    );
    const expected = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => !POISONED.has(i));
    expect(loaded.map((r) => r.event_id).sort()).toEqual(expected.map(eventId).sort());
    // The neighbours are complete: every sample of every loaded report.
    expect(
      await t.count('prometheus_samples', `event_id IN (${expected.map((i) => `'${eventId(i)}'`)})`),
    ).toBe(expected.length * 11);

    const letters = await readDeadLetters(kafka, names.deadLetter, POISONED.size);
    expect(letters.map((l) => Number(l.headers[DEAD_LETTER_HEADERS.offset])).sort()).toEqual([...POISONED]);
    for (const letter of letters) {
      expect(letter.headers).toMatchObject({
        [DEAD_LETTER_HEADERS.topic]: names.status,
        [DEAD_LETTER_HEADERS.errorCode]: 'INSERT_REJECTED',
        [DEAD_LETTER_HEADERS.errorServerCode]: '72',
        [DEAD_LETTER_HEADERS.group]: config.groupId,
        [POISON_HEADER]: '1',
      });
      expect(letter.headers[DEAD_LETTER_HEADERS.errorMessage]).toMatch(/status_reports.*Code: 72/s);
    }

    expect(loader.ready()).toBe(true);
    const deadLetters = registry.getSingleMetric('loader_dead_letters_total') as Counter;
    const byCode = (await deadLetters.get()).values.filter((v) => v.labels.code === 'INSERT_REJECTED');
    expect(byCode.reduce((n, v) => n + v.value, 0)).toBe(POISONED.size);
  });
});
