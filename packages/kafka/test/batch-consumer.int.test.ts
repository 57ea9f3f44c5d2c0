// The batch consumer against the real broker, with an in-memory sink standing in for ClickHouse:
// commit only after the sink succeeded, dead letters with origin headers, pause + backoff while the
// sink fails, and pattern subscriptions that pick up topics created after start.
import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type BatchConsumer,
  type BatchSink,
  createBatchConsumer,
  createDeadLetterSink,
  createKafkaClient,
  DEAD_LETTER_HEADERS,
  type FlushObservation,
} from '../src/index';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const run = randomUUID().slice(0, 8);
const prefix = `it-bc-${run}.`;
const deadLetterTopic = `${prefix}deadletter`;

let kafka: Kafka;
let admin: Admin;
let producer: Producer;
let consumers: BatchConsumer[] = [];

class MemorySink implements BatchSink<string[]> {
  written: string[] = [];
  writes = 0;
  failuresLeft = 0;
  gate: Promise<void> | null = null;
  createBatch(): string[] {
    return [];
  }
  add(batch: string[], record: { value: Buffer | null }): void {
    const value = record.value?.toString() ?? '';
    if (value.startsWith('corrupt'))
      throw Object.assign(new Error('not a record'), { code: 'CORRUPT_RECORD' });
    batch.push(value);
  }
  size(batch: string[]) {
    return { rows: batch.length, bytes: batch.length * 10 };
  }
  async write(batch: string[]): Promise<void> {
    this.writes++;
    if (this.gate) await this.gate;
    if (this.failuresLeft > 0) {
      this.failuresLeft--;
      throw Object.assign(new Error('ClickHouse unavailable'), { code: 'INSERT_FAILED', retriable: true });
    }
    this.written.push(...batch);
  }
}

/** Refuses (non-retriably, for their content) any batch holding a `poison-*` value, like ClickHouse a bad row. */
class RefusingSink extends MemorySink {
  /** Write attempts (1-based) that fail retriably instead, as if ClickHouse went away mid-isolation. */
  unavailableAt = new Set<number>();
  override async write(batch: string[]): Promise<void> {
    this.writes++;
    if (this.unavailableAt.has(this.writes)) {
      throw Object.assign(new Error('ClickHouse unavailable'), { code: 'INSERT_FAILED', retriable: true });
    }
    const poison = batch.find((v) => v.startsWith('poison'));
    if (poison) {
      throw Object.assign(new Error(`Code: 72. cannot parse ${poison}`), {
        code: 'INSERT_REJECTED',
        retriable: false,
        serverCode: '72',
      });
    }
    this.written.push(...batch);
  }
  rejectsRecords(err: unknown): boolean {
    return (err as { code?: unknown }).code === 'INSERT_REJECTED';
  }
}

beforeAll(async () => {
  expect(brokers.length).toBeGreaterThan(0);
  kafka = createKafkaClient({ brokers, clientId: `it-${run}`, logger });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer({ idempotent: true });
  await producer.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: `${prefix}status`, numPartitions: 2 },
      { topic: `${prefix}fixed`, numPartitions: 1 },
      { topic: `${prefix}failing`, numPartitions: 1 },
      { topic: `${prefix}refused`, numPartitions: 1 },
      { topic: deadLetterTopic, numPartitions: 1 },
    ],
  });
});

afterEach(async () => {
  for (const c of consumers) await c.stop();
  consumers = [];
});

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
});

function startConsumer(
  topics: string[] | RegExp,
  sink: BatchSink<string[]>,
  extra: { groupId?: string; flushes?: FlushObservation[]; topicRefreshMs?: number } = {},
) {
  const consumer = createBatchConsumer({
    kafka,
    groupId: extra.groupId ?? `g-${randomUUID().slice(0, 8)}`,
    topics,
    sink,
    deadLetter: createDeadLetterSink({ producer, topic: deadLetterTopic, groupId: 'it-group' }),
    logger,
    limits: { maxWaitMs: 200, maxRows: 1000 },
    retry: { initialMs: 100, maxMs: 400 },
    topicRefreshMs: extra.topicRefreshMs ?? 2000,
    observer: { onFlush: (f) => extra.flushes?.push(f) },
    consumerConfig: { sessionTimeout: 10_000, rebalanceTimeout: 10_000, heartbeatInterval: 1000 },
  });
  consumers.push(consumer);
  return consumer;
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 30_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return entry!.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
}

/**
 * The dead letters of records from `originTopic`: waits for `count`, then half a second more so that an
 * extra letter would be seen too.
 */
async function readDeadLetters(
  groupId: string,
  originTopic: string,
  count: number,
): Promise<{ value: string; headers: Record<string, string> }[]> {
  const dlq = kafka.consumer({ groupId });
  await dlq.connect();
  await dlq.subscribe({ topic: deadLetterTopic, fromBeginning: true });
  const letters: { value: string; headers: Record<string, string> }[] = [];
  await dlq.run({
    eachMessage: async ({ message }) => {
      const headers = Object.fromEntries(
        Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      if (headers[DEAD_LETTER_HEADERS.topic] === originTopic)
        letters.push({ value: message.value!.toString(), headers });
    },
  });
  await until(() => letters.length >= count, 30_000, 'dead letters');
  await new Promise((r) => setTimeout(r, 500));
  await dlq.disconnect();
  return letters;
}

describe('batch consumer on the real broker', () => {
  it('writes the good records, dead-letters the corrupt one with origin headers, commits after the write', async () => {
    const topic = `${prefix}fixed`;
    const values = ['r0', 'r1', 'corrupt-2', 'r3', 'r4'];
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'k', value })) });

    const sink = new MemorySink();
    let release!: () => void;
    sink.gate = new Promise((r) => {
      release = r;
    });
    const groupId = `g-fixed-${run}`;
    const consumer = startConsumer([topic], sink, { groupId });
    await consumer.start();
    await until(() => sink.writes > 0, 30_000, 'first write');
    // The write has not finished: nothing is committed yet.
    expect(await committed(groupId, topic)).toEqual([-1]);
    release();
    await until(async () => (await committed(groupId, topic))[0] === 5, 30_000, 'commit');
    expect(sink.written).toEqual(['r0', 'r1', 'r3', 'r4']);

    const letters = await readDeadLetters(`dlq-${run}`, topic, 1);
    expect(letters).toHaveLength(1);
    expect(letters[0]!.value).toBe('corrupt-2');
    expect(letters[0]!.headers).toMatchObject({
      [DEAD_LETTER_HEADERS.topic]: topic,
      [DEAD_LETTER_HEADERS.partition]: '0',
      [DEAD_LETTER_HEADERS.offset]: '2',
      [DEAD_LETTER_HEADERS.errorCode]: 'CORRUPT_RECORD',
      [DEAD_LETTER_HEADERS.errorMessage]: 'not a record',
    });
  });

  it('pauses and retries with backoff while the sink fails, then writes everything once and commits', async () => {
    const topic = `${prefix}failing`;
    await producer.send({ topic, acks: -1, messages: ['a', 'b', 'c'].map((value) => ({ value })) });
    const sink = new MemorySink();
    sink.failuresLeft = 3;
    const flushes: FlushObservation[] = [];
    const groupId = `g-failing-${run}`;
    const consumer = startConsumer([topic], sink, { groupId, flushes });
    await consumer.start();
    await until(() => sink.writes >= 1, 30_000, 'first attempt');
    expect(consumer.status().sinkHealthy).toBe(false);
    await producer.send({ topic, acks: -1, messages: ['d'].map((value) => ({ value })) });
    await until(async () => (await committed(groupId, topic))[0] === 4, 30_000, 'commit after recovery');
    expect([...sink.written].sort()).toEqual(['a', 'b', 'c', 'd']);
    expect(consumer.status().sinkHealthy).toBe(true);
    const failed = flushes.filter((f) => !f.ok);
    expect(failed).toHaveLength(3);
    // Backoff, not a busy loop: three failures took at least 100 + 200 + 400 ms * 0.8 of waiting.
    expect(sink.writes).toBeLessThanOrEqual(6);
  });

  it('isolates records the sink refuses by bisecting the batch: they are dead-lettered, the rest written, all committed', async () => {
    const topic = `${prefix}refused`;
    const values = Array.from({ length: 64 }, (_, i) => (i === 13 || i === 40 ? `poison-${i}` : `r${i}`));
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: 'k', value })) });
    const sink = new RefusingSink();
    // ClickHouse goes away during the isolation (the 4th write): back off, then carry on without
    // re-testing what was already found at fault.
    sink.unavailableAt.add(4);
    const groupId = `g-refused-${run}`;
    const consumer = startConsumer([topic], sink, { groupId });
    await consumer.start();
    await until(async () => (await committed(groupId, topic))[0] === 64, 30_000, 'commit');
    const good = values.filter((v) => !v.startsWith('poison'));
    expect([...new Set(sink.written)].sort()).toEqual([...good].sort());
    // Bisection, not one write per record: 64 records with 2 refused (and one interruption) take
    // about 2 * 2 * log2(64) writes.
    expect(sink.writes).toBeLessThanOrEqual(32);
    expect(consumer.status().sinkHealthy).toBe(true);

    const letters = await readDeadLetters(`dlq-refused-${run}`, topic, 2);
    expect(letters.map((l) => l.value).sort()).toEqual(['poison-13', 'poison-40']);
    for (const letter of letters) {
      expect(letter.headers).toMatchObject({
        [DEAD_LETTER_HEADERS.offset]: letter.value.slice('poison-'.length),
        [DEAD_LETTER_HEADERS.errorCode]: 'INSERT_REJECTED',
        [DEAD_LETTER_HEADERS.errorServerCode]: '72',
        [DEAD_LETTER_HEADERS.errorMessage]: `Code: 72. cannot parse ${letter.value}`,
      });
    }
  });

  it('consumes a topic matching the pattern that was created after it started, within 30 s', async () => {
    const pattern = new RegExp(`^${prefix.replaceAll('.', '\\.')}status(\\.[A-Za-z0-9._-]+)?$`);
    await producer.send({ topic: `${prefix}status`, acks: -1, messages: [{ value: 'default-1' }] });
    const sink = new MemorySink();
    const consumer = startConsumer(pattern, sink);
    await consumer.start();
    await until(() => sink.written.includes('default-1'), 30_000, 'default topic record');

    const created = Date.now();
    await admin.createTopics({
      waitForLeaders: true,
      topics: [{ topic: `${prefix}status.eu-west`, numPartitions: 1 }],
    });
    await producer.send({ topic: `${prefix}status.eu-west`, acks: -1, messages: [{ value: 'eu-1' }] });
    await until(() => sink.written.includes('eu-1'), 30_000, 'new topic record');
    expect(Date.now() - created).toBeLessThan(30_000);
    expect(consumer.status().subscribedTopics).toEqual([`${prefix}status`, `${prefix}status.eu-west`]);

    // The old topic keeps flowing after the resubscription, without re-reading committed records.
    await producer.send({ topic: `${prefix}status`, acks: -1, messages: [{ value: 'default-2' }] });
    await until(() => sink.written.includes('default-2'), 30_000, 'default topic after resubscribe');
    expect(sink.written.filter((v) => v === 'default-1')).toHaveLength(1);
  });
});
