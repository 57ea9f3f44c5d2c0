// The whole chain on a hand-driven kafkajs stand-in: offsets are committed only after the sink
// wrote the records, and only for partitions this member owns.
import type { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createBatchConsumer } from '../../src/consumer/batch-consumer';
import { FakeDeadLetters, fakeKafka, silent, until } from './fakes';

describe('batch consumer chain', () => {
  it('commits the offsets of a batch only after the sink finished writing it', async () => {
    const kafka = fakeKafka();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const written: string[] = [];
    const consumer = createBatchConsumer<string[], string>({
      kafka: kafka as unknown as Kafka,
      groupId: 'g',
      topics: ['t'],
      transform: (r) => r.value!.toString().toUpperCase(),
      sink: {
        createBatch: () => [],
        add: (contents, value) => contents.push(value),
        size: (contents) => ({ rows: contents.length, bytes: 0 }),
        write: async (contents) => {
          await gate;
          written.push(...contents);
        },
      },
      deadLetter: new FakeDeadLetters(),
      logger: silent,
      limits: { maxRows: 2 },
    });
    await consumer.start();
    const c = kafka.consumers[0]!;
    c.emit(c.events.GROUP_JOIN, { memberAssignment: { t: [0] } });
    await c.fetch('t', ['a', 'b']);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.committed).toEqual([]);
    expect(consumer.status().pendingRecords).toBe(2);
    release();
    await until(() => c.committed.length === 1);
    expect(written).toEqual(['A', 'B']);
    expect(c.committed).toEqual([{ topic: 't', partition: 0, offset: '2' }]);

    // A partition moved away in a rebalance is left to its new owner.
    c.emit(c.events.GROUP_JOIN, { memberAssignment: { t: [1] } });
    await c.fetch('t', ['c', 'd'], 2);
    await until(() => written.length === 4);
    await new Promise((r) => setTimeout(r, 20));
    expect(c.committed).toHaveLength(1);
    await consumer.stop();
  });
});
