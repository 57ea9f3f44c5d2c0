// The producer's queue alone: the bound in records and bytes, batches cut by count and size, and
// each caller answered exactly once whoever answers first.
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../src/errors';
import { SendQueue } from '../../src/producer/send-queue';

const message = (value: string) => ({ topic: 't', key: null, value: Buffer.from(value) });

function queue(limits: Partial<ConstructorParameters<typeof SendQueue>[0]> = {}) {
  return new SendQueue(
    { maxBatchMessages: 3, maxBatchBytes: 100, maxPendingMessages: 4, maxPendingBytes: 1000, ...limits },
    null,
  );
}

describe('SendQueue', () => {
  it('counts queued and in-flight records against the bound until they are released', () => {
    const q = queue();
    for (const v of ['a', 'b', 'c', 'd']) void q.enqueue(message(v), 1, 0);
    expect(q.hasRoom(1)).toBe(false);
    const batch = q.take();
    expect(batch.map((i) => i.message.value.toString())).toEqual(['a', 'b', 'c']);
    expect(q.pending).toEqual({ messages: 4, bytes: 4 }); // taken is not released
    q.release(batch);
    expect(q.pending).toEqual({ messages: 1, bytes: 1 });
    expect(q.hasRoom(1)).toBe(true);
  });

  it('cuts a batch at maxBatchBytes, but always takes at least one record', () => {
    const q = queue({ maxBatchBytes: 10 });
    void q.enqueue(message('big'), 50, 0);
    void q.enqueue(message('s1'), 6, 0);
    void q.enqueue(message('s2'), 6, 0);
    expect(q.take().map((i) => i.bytes)).toEqual([50]);
    expect(q.take().map((i) => i.bytes)).toEqual([6]);
    expect(q.queued).toBe(1);
  });

  it('answers each caller once: a late acknowledgement after a timeout changes nothing', async () => {
    const q = queue();
    const sent = q.enqueue(message('a'), 1, 0);
    const [item] = q.take();
    const timeout = new KafkaError('PRODUCE_TIMEOUT', 'slow', { retriable: true });
    q.answer([item!], timeout);
    q.answer([item!], null);
    await expect(sent).rejects.toBe(timeout);
  });

  it('takes the records queued longer than the timeout off the queue, oldest first', () => {
    const q = queue();
    void q.enqueue(message('old'), 1, 0);
    void q.enqueue(message('new'), 1, 900);
    expect(q.takeExpired(1000, 500).map((i) => i.message.value.toString())).toEqual(['old']);
    expect(q.queued).toBe(1);
  });
});
