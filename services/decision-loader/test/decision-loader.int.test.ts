// The decision-loader on the real Kafka and ClickHouse: decision events produced as the gateway does
// (DecisionBatch records, one per upload and instance) land as exactly their rows, single DecisionEvent
// records of older gateways too, an upload OPA sent again (new event ids) counts once, a partition topic
// created while it runs is picked up, a corrupt record is dead-lettered.
import { decisionCodec, encodeDecisionBatches, normalizeDecisionChunk } from '@opa-fleet/contracts';
import { flattenDecision } from '@opa-fleet/flatten';
import { createKafkaClient, DEAD_LETTER_HEADERS, partitionTopicName } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import type { Kafka, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loaderTestEnv, readDeadLetters, until } from '../../../packages/loader/test/loader-test-env';
import { buildDecisionLoader, type DecisionLoader, loadDecisionLoaderConfig } from '../src';

const t = loaderTestEnv('dl');
const { run, names, database, logger, rows, count, prefix } = t;
const config = loadDecisionLoaderConfig({ ...t.env, TOPIC_REFRESH_MS: '1000' });
const NOW = Math.floor(Date.now() / 1000) * 1_000_000;

/** One upload as the gateway turns it into records; `upload` names its event ids. */
function upload(name: string, ids: string[], partition: string | null = null) {
  let n = 0;
  return normalizeDecisionChunk(
    ids.map((id, i) => ({
      labels: { id: `inst-${i % 2}`, version: '1.22.3', region: 'eu' },
      decision_id: `${run}-${id}`,
      path: 'authz/allow',
      input: { user: id },
      result: true,
      bundles: { authz: { revision: 'r7' } },
      metrics: { timer_rego_query_eval_ns: 1234 },
      timestamp: new Date(NOW / 1000 - i * 1000).toISOString().replace('Z', '000789Z'),
    })),
    { receivedAt: NOW, gatewayId: 'gw-it', userAgent: 'Open-Policy-Agent/1.22.3 (linux, amd64)', partition },
    () => `${run}-${name}-${n++}`,
  ).events;
}

let kafka: Kafka;
let producer: Producer;
let loader: DecisionLoader;
const first = upload('first', ['a', 'b', 'c']);

/** The records the gateway produces for an upload: DecisionBatch per instance. */
const batchRecords = (events: ReturnType<typeof upload>) =>
  encodeDecisionBatches(events).map((b) => ({ key: b.key, value: b.value }));

beforeAll(async () => {
  kafka = createKafkaClient({ brokers: config.kafkaBrokers, clientId: `it-dl-${run}`, logger });
  loader = buildDecisionLoader({ config, logger, registry: createMetrics('decision-loader-it') });
  await loader.start();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await producer.send({
    topic: names.decisions,
    acks: -1,
    messages: [
      ...batchRecords(first),
      { key: 'inst-0', value: Buffer.from([0xc3, 0x01, 9, 9, 9]) },
      // The same first two decisions again, from a resent upload (new event ids), as an older gateway
      // wrote them: a DecisionEvent record per event.
      ...upload('again', ['a', 'b']).map((e) => ({ key: e.instance_id, value: decisionCodec.encode(e) })),
    ],
  });
  await until(async () => (await t.count('decisions')) >= 3, 60_000, 'decisions');
  await until(async () => loader.consumer.status().pendingRecords === 0, 30_000, 'commit');
});

afterAll(async () => {
  await loader?.stop();
  await producer?.disconnect();
  await t.close();
});

describe('decision-loader on the real Kafka and ClickHouse', () => {
  it('stores each decision as exactly its row', async () => {
    const [stored] = await rows(`SELECT * FROM ${database}.decisions FINAL WHERE decision_id = '${run}-c'`);
    const expected = flattenDecision(first[2]!);
    const dateTime = (seconds: number) =>
      new Date(seconds * 1000).toISOString().slice(0, 19).replace('T', ' ');
    expect(stored).toEqual({
      ...expected,
      decided_at: dateTime(expected.decided_at),
      received_at: dateTime(expected.received_at),
    });
    expect(stored).toMatchObject({ decided_at_nanos: 789, bundle_names: ['authz'], label_names: ['region'] });
  });

  it('stores the rows of batch records and of single-event records alike', async () => {
    const stored = await rows<{ decision_id: string; event_id: string }>(
      `SELECT decision_id, event_id FROM ${database}.decisions ORDER BY event_id`,
    );
    expect(stored.map((r) => r.event_id)).toEqual([
      `${run}-again-0`,
      `${run}-again-1`,
      `${run}-first-0`,
      `${run}-first-1`,
      `${run}-first-2`,
    ]);
  });

  it('counts a decision uploaded twice once', async () => {
    const [r] = await rows<{ decisions: number; raw: number }>(
      `SELECT uniqExact(decision_id) AS decisions, count() AS raw FROM ${database}.decisions`,
    );
    expect(r!.decisions).toBe(3);
    expect(await count('decisions')).toBe(3);
  });

  it('dead-letters the corrupt record with its origin', async () => {
    const letters = await readDeadLetters(kafka, names.deadLetter);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.headers).toMatchObject({ [DEAD_LETTER_HEADERS.topic]: names.decisions });
  });

  it('consumes a partition topic created after it started', async () => {
    const topic = partitionTopicName(prefix, 'prod-eu', 'decisions');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 1 }] });
    await admin.disconnect();
    await producer.send({
      topic,
      acks: -1,
      messages: batchRecords(upload('eu', ['eu-1'], 'prod-eu')),
    });
    await until(
      async () => (await count('decisions', `partition = 'prod-eu'`)) === 1,
      30_000,
      'the new topic',
    );
    expect(loader.ready()).toBe(true);
  });
});
