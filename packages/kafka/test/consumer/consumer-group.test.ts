// The consume part against a hand-driven kafkajs stand-in: a crashed consumer is replaced, a new
// topic is picked up (discovery -> resubscription after the hand-over), back-pressure from the chain.
import type { Admin, Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createBatchConsumer } from '../../src/consumer/batch-consumer';
import { ConsumerGroup } from '../../src/consumer/consumer-group';
import type { ConsumedRecord } from '../../src/dead-letter';
import { FakeDeadLetters, fakeKafka, RecordingStep, silent, until } from './fakes';

function group(kafka: ReturnType<typeof fakeKafka>) {
  return new ConsumerGroup({
    kafka,
    groupId: 'g',
    log: silent,
    retry: { initialMs: 10, maxMs: 40, jitter: 0 },
    fromBeginning: true,
  });
}

describe('consumer group', () => {
  it('replaces a crashed consumer by a fresh one after a backoff, subscribed to the same topics', async () => {
    const kafka = fakeKafka();
    const first = new RecordingStep<ConsumedRecord>();
    const g = group(kafka);
    await g.start(['a', 'b'], first);
    const [crashed] = kafka.consumers;
    crashed!.emit(crashed!.events.CRASH, { error: new Error('broker gone'), restart: false });
    await until(() => kafka.consumers.length === 2 && kafka.consumers[1]!.running !== null);
    const fresh = kafka.consumers[1]!;
    expect(crashed!.connected).toBe(false);
    expect(fresh.subscribedTo).toEqual(['a', 'b']);
    // The fresh consumer feeds the same chain.
    await fresh.fetch('a', ['x']);
    expect(first.items.map((r) => r.value?.toString())).toEqual(['x']);
    // A retired consumer that rejoins the group is sent away.
    crashed!.connected = true;
    crashed!.emit(crashed!.events.GROUP_JOIN, { memberAssignment: { a: [0] } });
    expect(crashed!.connected).toBe(false);
  });

  it('starts a replacement paused while the sink is failing', async () => {
    const kafka = fakeKafka();
    const g = group(kafka);
    await g.start(['a'], new RecordingStep<ConsumedRecord>());
    g.holdForSink(true);
    kafka.consumers[0]!.emit('consumer.crash', { error: new Error('gone') });
    await until(() => kafka.consumers.length === 2 && kafka.consumers[1]!.running !== null);
    expect(kafka.consumers[1]!.paused).toBe(true);
  });

  it('waits when the chain asks it to, then heartbeats and goes on', async () => {
    const kafka = fakeKafka();
    const first = new RecordingStep<ConsumedRecord>();
    const g = group(kafka);
    await g.start(['a'], first);
    first.hold();
    const fetched = kafka.consumers[0]!.fetch('a', ['x', 'y']);
    await until(() => first.items.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(first.items).toHaveLength(1);
    first.release();
    expect(await fetched).toEqual(['0', '1']);
  });

  it('resubscribes only after the hand-over wrote and committed; a failed hand-over keeps the old list', async () => {
    const kafka = fakeKafka();
    const g = group(kafka);
    await g.start(['a'], new RecordingStep<ConsumedRecord>());
    await g.resubscribe(['a', 'b'], async () => false);
    expect(kafka.consumers).toHaveLength(1);
    expect(g.subscribedTopics).toEqual(['a']);
    expect(kafka.consumers[0]!.paused).toBe(false);

    let handedOver = false;
    await g.resubscribe(['a', 'b'], async () => {
      expect(kafka.consumers[0]!.paused).toBe(true); // no fetching during the hand-over
      handedOver = true;
      return true;
    });
    expect(handedOver).toBe(true);
    expect(kafka.consumers).toHaveLength(2);
    expect(kafka.consumers[0]!.connected).toBe(false);
    expect(kafka.consumers[1]!.subscribedTo).toEqual(['a', 'b']);
  });

  it('starts the consumer for a new topic list later when starting it failed', async () => {
    const kafka = fakeKafka();
    const g = group(kafka);
    await g.start(['a'], new RecordingStep<ConsumedRecord>());
    const consumer = kafka.consumer;
    let failures = 1;
    kafka.consumer = () => {
      const c = consumer();
      if (failures-- > 0)
        (c as unknown as { connect: () => Promise<void> }).connect = async () => {
          throw new Error('broker gone');
        };
      return c;
    };
    await g.resubscribe(['a', 'b'], async () => true);
    await until(() => kafka.consumers.length === 3 && kafka.consumers[2]!.running !== null);
    expect(kafka.consumers[2]!.subscribedTo).toEqual(['a', 'b']);
  });
});

describe('batch consumer with a pattern', () => {
  it('picks up a new matching topic: writes and commits what it holds, then consumes the new list', async () => {
    const kafka = fakeKafka();
    let topics = ['opa.status', 'other'];
    const admin = {
      connect: async () => undefined,
      disconnect: async () => undefined,
      listTopics: async () => topics,
    } as unknown as Admin;
    const written: string[][] = [];
    const consumer = createBatchConsumer<string[]>({
      kafka: { ...kafka, admin: () => admin } as unknown as Kafka,
      groupId: 'g',
      topics: /^opa\.status(\..+)?$/,
      topicRefreshMs: 10,
      sink: {
        createBatch: () => [],
        add: (contents, r) => contents.push(r.value!.toString()),
        size: (contents) => ({ rows: contents.length, bytes: 0 }),
        write: async (contents) => {
          written.push(contents);
        },
      },
      deadLetter: new FakeDeadLetters(),
      logger: silent,
      limits: { maxWaitMs: 60_000 },
    });
    await consumer.start();
    expect(kafka.consumers[0]!.subscribedTo).toEqual(['opa.status']);
    await kafka.consumers[0]!.fetch('opa.status', ['r0']);

    topics = ['opa.status', 'opa.status.eu', 'other'];
    await until(() => kafka.consumers.length === 2 && kafka.consumers[1]!.running !== null);
    expect(kafka.consumers[1]!.subscribedTo).toEqual(['opa.status', 'opa.status.eu']);
    // What was consumed before the switch was written and committed by the retired consumer.
    expect(written).toEqual([['r0']]);
    expect(kafka.consumers[0]!.committed).toEqual([{ topic: 'opa.status', partition: 0, offset: '1' }]);
    expect(consumer.status().subscribedTopics).toEqual(['opa.status', 'opa.status.eu']);
    await consumer.stop();
  });
});
