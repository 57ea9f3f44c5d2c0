// The batching layer against a fake kafkajs producer (unit level: timing and bounds, no broker).
// The real idempotent produce path is proven in producer.int.test.ts.
import type { ProducerBatch, RecordMetadata } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { type BatchingProducer, createProducer, KafkaError, type ProducerOptions } from '../src/index';

interface FakeProducer {
  batches: ProducerBatch[];
  connects: number;
  /** Each sendBatch waits for this before acknowledging. */
  gate: () => Promise<void>;
  failWith: unknown;
  failConnect: boolean;
  options: unknown[];
}

function fakeKafka() {
  const fake: FakeProducer = {
    batches: [],
    connects: 0,
    gate: async () => {},
    failWith: null,
    failConnect: false,
    options: [],
  };
  const kafka = {
    producer: (opts: unknown) => {
      fake.options.push(opts);
      return {
        connect: async () => {
          fake.connects += 1;
          if (fake.failConnect)
            throw Object.assign(new Error('connect ECONNREFUSED'), { name: 'KafkaJSConnectionError' });
        },
        disconnect: async () => {},
        sendBatch: async (batch: ProducerBatch): Promise<RecordMetadata[]> => {
          fake.batches.push(batch);
          await fake.gate();
          if (fake.failWith) throw fake.failWith;
          return [];
        },
      };
    },
  } as unknown as ProducerOptions['kafka'];
  return { kafka, fake };
}

const logger = pino({ level: 'silent' });
let producer: BatchingProducer | undefined;
afterEach(async () => {
  await producer?.close(100);
  producer = undefined;
});

const msg = (i: number, topic = 't') => ({ topic, key: `k${i}`, value: Buffer.from(`v${i}`) });
const count = (batches: ProducerBatch[]) =>
  batches.reduce((n, b) => n + (b.topicMessages ?? []).reduce((m, t) => m + t.messages.length, 0), 0);

describe('createProducer', () => {
  it('configures kafkajs for idempotence with acks=all', async () => {
    const { kafka, fake } = fakeKafka();
    producer = createProducer({ kafka, logger });
    await producer.connect();
    await producer.send(msg(1));
    expect(fake.options[0]).toMatchObject({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
    expect(fake.batches[0]).toMatchObject({ acks: -1 });
  });

  it('shares one produce request among concurrent sends, grouped by topic', async () => {
    const { kafka, fake } = fakeKafka();
    producer = createProducer({ kafka, logger, lingerMs: 5 });
    await producer.connect();
    await Promise.all([producer.send(msg(1, 'a')), producer.send(msg(2, 'b')), producer.send(msg(3, 'a'))]);
    expect(fake.batches).toHaveLength(1);
    expect(fake.batches[0]!.topicMessages!.map((t) => [t.topic, t.messages.length])).toEqual([
      ['a', 2],
      ['b', 1],
    ]);
  });

  it('with lingerMs 0 sends right after the event-loop turn: one batch for the turn, no 1 ms timer', async () => {
    const { kafka, fake } = fakeKafka();
    producer = createProducer({ kafka, logger, lingerMs: 0 });
    await producer.connect();
    const sends = [producer.send(msg(1)), producer.send(msg(2))];
    expect(fake.batches).toHaveLength(0); // still this turn: the batch is open
    await new Promise((resolve) => setImmediate(resolve));
    expect(fake.batches).toHaveLength(1); // left in the check phase, before any timer could fire
    expect(count(fake.batches)).toBe(2);
    await Promise.all(sends);
  });

  it('keeps up to `concurrency` batches in flight, each on its own kafkajs producer', async () => {
    const { kafka, fake } = fakeKafka();
    const gates: (() => void)[] = [];
    fake.gate = () =>
      new Promise<void>((r) => {
        gates.push(r);
      });
    producer = createProducer({ kafka, logger, lingerMs: 1, concurrency: 2 });
    await producer.connect();
    expect(fake.options).toHaveLength(2);
    const first = producer.send(msg(1));
    await new Promise((r) => setTimeout(r, 10));
    const second = producer.send(msg(2));
    await new Promise((r) => setTimeout(r, 10));
    const third = Array.from({ length: 5 }, (_, i) => producer!.send(msg(i + 3)));
    await new Promise((r) => setTimeout(r, 10));
    expect(fake.batches).toHaveLength(2); // two lanes busy; the rest waits
    expect(producer.stats()).toMatchObject({ inFlightBatches: 2, queuedMessages: 5 });
    gates[0]!();
    await first;
    await new Promise((r) => setTimeout(r, 10));
    expect(fake.batches).toHaveLength(3);
    expect(count(fake.batches.slice(2))).toBe(5);
    for (const g of gates.slice(1)) g();
    await new Promise((r) => setTimeout(r, 10));
    for (const g of gates.slice(1)) g();
    await Promise.all([second, ...third]);
  });

  it('sends at maxBatchMessages without waiting for the linger time', async () => {
    const { kafka, fake } = fakeKafka();
    producer = createProducer({ kafka, logger, lingerMs: 10_000, maxBatchMessages: 3 });
    await producer.connect();
    const started = Date.now();
    await Promise.all([1, 2, 3].map((i) => producer!.send(msg(i))));
    expect(Date.now() - started).toBeLessThan(1000);
    expect(count(fake.batches)).toBe(3);
  });

  it('fills the next batch while one is in flight', async () => {
    const { kafka, fake } = fakeKafka();
    let open!: () => void;
    const firstGate = new Promise<void>((r) => {
      open = r;
    });
    let calls = 0;
    fake.gate = () => (calls++ === 0 ? firstGate : Promise.resolve());
    producer = createProducer({ kafka, logger, lingerMs: 1, concurrency: 1 });
    await producer.connect();
    const first = producer.send(msg(0));
    await new Promise((r) => setTimeout(r, 20));
    const rest = Array.from({ length: 50 }, (_, i) => producer!.send(msg(i + 1)));
    await new Promise((r) => setTimeout(r, 20));
    expect(fake.batches).toHaveLength(1);
    open();
    await Promise.all([first, ...rest]);
    expect(fake.batches).toHaveLength(2);
    expect(count(fake.batches.slice(1))).toBe(50);
  });

  it('resolves a caller only when its batch is acknowledged', async () => {
    const { kafka, fake } = fakeKafka();
    let open!: () => void;
    fake.gate = () =>
      new Promise<void>((r) => {
        open = r;
      });
    producer = createProducer({ kafka, logger });
    await producer.connect();
    let done = false;
    const sent = producer.send(msg(1)).then(() => {
      done = true;
    });
    await new Promise((r) => setTimeout(r, 30));
    expect(done).toBe(false);
    open();
    await sent;
    expect(done).toBe(true);
  });

  it('rejects at once with a retriable KAFKA_UNAVAILABLE while not connected', async () => {
    const { kafka, fake } = fakeKafka();
    fake.failConnect = true;
    producer = createProducer({ kafka, logger, reconnectMs: 10 });
    void producer.connect().catch(() => {});
    const error = await producer.send(msg(1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaError);
    expect(error).toMatchObject({ code: 'KAFKA_UNAVAILABLE', retriable: true });
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.connects).toBeGreaterThan(1); // keeps retrying
    fake.failConnect = false;
    await producer.connect();
    await producer.send(msg(2));
    expect(count(fake.batches)).toBe(1);
  });

  it('sheds load with PRODUCER_OVERLOADED beyond the pending bound', async () => {
    const { kafka, fake } = fakeKafka();
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    fake.gate = () => gate;
    const registry = new Registry();
    producer = createProducer({ kafka, logger, registry, maxPendingMessages: 5 });
    await producer.connect();
    const accepted = Array.from({ length: 5 }, (_, i) => producer!.send(msg(i)));
    const error = await producer.send(msg(99)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PRODUCER_OVERLOADED', retriable: true });
    expect(producer.stats().pendingMessages).toBe(5);
    expect(await registry.metrics()).toContain('kafka_producer_rejected_total{code="PRODUCER_OVERLOADED"} 1');
    open();
    await Promise.all(accepted);
    expect(producer.stats().pendingMessages).toBe(0);
  });

  it('times out a stuck send, keeps counting it, and fails fast while stalled', async () => {
    const { kafka, fake } = fakeKafka();
    let open!: () => void;
    const gate = new Promise<void>((r) => {
      open = r;
    });
    fake.gate = () => gate;
    producer = createProducer({ kafka, logger, sendTimeoutMs: 50 });
    await producer.connect();
    const started = Date.now();
    const error = await producer.send(msg(1)).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(500);
    expect(error).toMatchObject({ code: 'PRODUCE_TIMEOUT', retriable: true });
    expect(producer.stats()).toMatchObject({ pendingMessages: 1, stalled: true });
    const fast = Date.now();
    expect(await producer.send(msg(2)).catch((e: unknown) => e)).toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
    expect(Date.now() - fast).toBeLessThan(20);
    open();
    await producer.flush();
    expect(producer.stats()).toMatchObject({ pendingMessages: 0, stalled: false });
    await producer.send(msg(3));
  });

  it('maps a refused batch to PRODUCE_FAILED and replaces the kafkajs producer', async () => {
    const { kafka, fake } = fakeKafka();
    fake.failWith = Object.assign(new Error('Message too large'), {
      name: 'KafkaJSProtocolError',
      retriable: false,
    });
    producer = createProducer({ kafka, logger, concurrency: 1 });
    await producer.connect();
    expect(await producer.send(msg(1)).catch((e: unknown) => e)).toMatchObject({
      code: 'PRODUCE_FAILED',
      retriable: false,
    });
    fake.failWith = null;
    await producer.connect();
    await producer.send(msg(2));
    expect(fake.options).toHaveLength(2); // a new producer id: no sequence number is reused
  });

  it('flushes what is queued on close and refuses later sends', async () => {
    const { kafka, fake } = fakeKafka();
    const p = createProducer({ kafka, logger, lingerMs: 50 });
    await p.connect();
    const sent = p.send(msg(1));
    await p.close();
    await sent;
    expect(count(fake.batches)).toBe(1);
    expect(await p.send(msg(2)).catch((e: unknown) => e)).toMatchObject({ code: 'PRODUCER_CLOSED' });
  });
});
