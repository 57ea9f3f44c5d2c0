// Against the real broker: topic creation (also "already exists"), the batching idempotent producer with
// acks=all, a kafkajs consumer group receiving what was produced, and committed offsets honoured after the
// consumer restarts (issue 2's proof that Kafka 4.1 works with kafkajs).
import { randomUUID } from 'node:crypto';
import type { Consumer, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchingProducer,
  createKafkaClient,
  createProducer,
  createTopicAdmin,
  releasesTopicSpec,
  standardTopicSpecs,
  type TopicAdmin,
  topicNames,
} from '../src/index';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'warn' });
const run = randomUUID().slice(0, 8);
const prefix = `it-kafka-${run}.`;
const names = topicNames(prefix);

let kafka: Kafka;
let admin: TopicAdmin;
let producer: BatchingProducer;
const consumers: Consumer[] = [];

beforeAll(async () => {
  expect(brokers.length).toBeGreaterThan(0);
  kafka = createKafkaClient({ brokers, clientId: `it-${run}`, logger });
  admin = createTopicAdmin({ kafka, logger });
  producer = createProducer({ kafka, logger, lingerMs: 2 });
  await producer.connect();
});

afterAll(async () => {
  await producer?.close();
  for (const c of consumers) await c.disconnect().catch(() => {});
  await admin?.disconnect();
});

/** Consumes `topic` in `groupId` until `n` records arrived; resolves with them (values as strings). */
async function consume(groupId: string, topic: string, n: number, timeoutMs = 30_000) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, rebalanceTimeout: 10_000 });
  consumers.push(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const seen: { key: string; value: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${seen.length}/${n} records within ${timeoutMs} ms`)),
      timeoutMs,
    );
    void consumer.run({
      autoCommit: true,
      autoCommitInterval: null,
      autoCommitThreshold: null,
      eachMessage: async ({ message }) => {
        seen.push({ key: message.key!.toString(), value: message.value!.toString() });
        if (seen.length >= n) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  return { consumer, seen };
}

describe('kafka package against the real broker', () => {
  it('creates the standard topics (releases compacted) and tolerates "already exists"', async () => {
    const specs = standardTopicSpecs(names, { partitions: 2 });
    const created = await admin.ensureTopics(specs);
    expect(created.sort()).toEqual(
      [
        names.deadLetter,
        names.decisions,
        names.releases,
        names.status,
        names.telemetry,
        names.versionChecks,
      ].sort(),
    );
    expect(await admin.ensureTopics(specs)).toEqual([]);
    // Two racing creators of the same new topic both succeed.
    const racing = { topic: `${prefix}race`, numPartitions: 1, replicationFactor: 1 };
    const other = createTopicAdmin({ kafka, logger });
    await Promise.all([admin.ensureTopics([racing]), other.ensureTopics([racing])]);
    await other.disconnect();
    expect(await admin.listTopics()).toEqual(expect.arrayContaining([names.releases, racing.topic]));

    const raw = kafka.admin();
    await raw.connect();
    const configs = await raw.describeConfigs({
      resources: [{ type: 2 /* TOPIC */, name: names.releases, configNames: ['cleanup.policy'] }],
      includeSynonyms: false,
    });
    const meta = await raw.fetchTopicMetadata({ topics: [names.status, names.releases] });
    await raw.disconnect();
    expect(configs.resources[0]!.configEntries[0]).toMatchObject({
      configName: 'cleanup.policy',
      configValue: 'compact',
    });
    expect(meta.topics.find((t) => t.name === names.status)!.partitions).toHaveLength(2);
    expect(meta.topics.find((t) => t.name === names.releases)!.partitions).toHaveLength(1);
    expect(releasesTopicSpec(names.releases).configs).toMatchObject({ 'cleanup.policy': 'compact' });
  });

  it('produces concurrently with acks=all, and a consumer group receives every record', async () => {
    const sends = Array.from({ length: 200 }, (_, i) =>
      producer.send({ topic: names.telemetry, key: `instance-${i % 7}`, value: Buffer.from(`record-${i}`) }),
    );
    await Promise.all(sends);
    const { consumer, seen } = await consume(`it-group-${run}`, names.telemetry, 200);
    await consumer.disconnect();
    expect(new Set(seen.map((r) => r.value)).size).toBe(200);
    // Same key -> same partition -> order kept per key.
    const forKey = seen.filter((r) => r.key === 'instance-3').map((r) => Number(r.value.split('-')[1]));
    expect(forKey).toEqual([...forKey].sort((a, b) => a - b));
  });

  it('honours committed offsets after the consumer restarts', async () => {
    const groupId = `it-restart-${run}`;
    const topic = names.status;
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        producer.send({ topic, key: 'k', value: Buffer.from(`first-${i}`) }),
      ),
    );
    const first = await consume(groupId, topic, 10);
    await first.consumer.disconnect(); // commits on the way out

    await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        producer.send({ topic, key: 'k', value: Buffer.from(`second-${i}`) }),
      ),
    );
    const second = await consume(groupId, topic, 5);
    // Give a wrongly-rewound consumer the chance to deliver old records too.
    await new Promise((r) => setTimeout(r, 1000));
    await second.consumer.disconnect();
    expect(second.seen.map((r) => r.value)).toEqual([0, 1, 2, 3, 4].map((i) => `second-${i}`));
  });

  it('the producer is idempotent: the broker assigned it a producer id', async () => {
    // kafkajs only sends produce requests with a producer id after InitProducerId, which needs
    // idempotence enabled on both sides; a batch produced without one would carry -1.
    const seen: number[] = [];
    const consumer = kafka.consumer({ groupId: `it-pid-${run}` });
    consumers.push(consumer);
    const topic = `${prefix}pid`;
    await admin.ensureTopic({ topic, numPartitions: 1, replicationFactor: 1 });
    await producer.send({ topic, key: 'k', value: Buffer.from('x') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachBatch: async ({ batch }) => {
          // Records keep their record batch's header (kafkajs exposes it as batchContext).
          for (const m of batch.messages) {
            const context = (m as unknown as { batchContext?: { producerId?: string } }).batchContext;
            seen.push(Number(context?.producerId ?? -1));
          }
          resolve();
        },
      });
    });
    await consumer.disconnect();
    expect(seen.length).toBe(1);
    expect(seen[0]).toBeGreaterThanOrEqual(0);
  });
});
