// The accumulate step against a recording write step: when a batch closes, what it holds, and the
// back-pressure that bounds memory to two batches.
import { describe, expect, it } from 'vitest';
import { accumulateStep } from '../../src/consumer/accumulate-step';
import { refuseRecordWith } from '../../src/consumer/refusals';
import type { Batch } from '../../src/consumer/step';
import { RecordingStep, record, silent } from './fakes';

function setUp(limits: { maxRows?: number; maxWaitMs?: number }, now = () => 0) {
  const write = new RecordingStep<Batch<string[]>>();
  const step = accumulateStep<string[], string>({
    sink: {
      createBatch: () => [],
      add: (contents, value) => {
        if (value === 'bad') throw Object.assign(new Error('cannot encode'), { code: 'INVALID_NUMBER' });
        contents.push(value);
      },
      size: (contents) => ({ rows: contents.length, bytes: 0 }),
    },
    limits: { maxRows: 3, maxBytes: 1e9, maxWaitMs: 1000, ...limits },
    refuse: refuseRecordWith({ log: silent }),
    next: write,
    now,
  });
  const submit = (offset: number, value: string) =>
    step.submit({ record: record(offset, value), ok: true, value });
  return { step, write, submit };
}

describe('accumulate step', () => {
  it('closes a batch at maxRows with its records in order, its dead letters and the next offsets', () => {
    const { step, write, submit } = setUp({});
    submit(0, 'a');
    submit(1, 'bad');
    step.submit({ record: record(2), ok: false, error: new Error('undecodable') });
    submit(3, 'b');
    expect(write.items).toHaveLength(0);
    submit(4, 'c');
    expect(write.items).toHaveLength(1);
    const [batch] = write.items;
    expect(batch!.contents).toEqual(['a', 'b', 'c']);
    expect(batch!.records.map((r) => r.offset)).toEqual(['0', '3', '4']);
    expect(batch!.deadLetters.map((l) => [l.record.offset, l.failure.code])).toEqual([
      ['1', 'INVALID_NUMBER'],
      ['2', 'UNEXPECTED_ERROR'],
    ]);
    expect([...batch!.offsets.values()]).toEqual([{ topic: 't', partition: 0, offset: '5' }]);
    expect(step.held()).toBe(0);
  });

  it('closes a batch maxWaitMs after its first record when polled', () => {
    let now = 0;
    const { step, write, submit } = setUp({ maxWaitMs: 100 }, () => now);
    step.poll();
    expect(write.items).toHaveLength(0); // nothing held: nothing to close
    submit(0, 'a');
    now = 99;
    step.poll();
    expect(write.items).toHaveLength(0);
    now = 100;
    step.poll();
    expect(write.items.map((b) => b.contents)).toEqual([['a']]);
  });

  it('makes the caller wait while the write before is in flight, then hands the full batch on', async () => {
    const { step, write, submit } = setUp({ maxRows: 1 });
    write.hold();
    expect(submit(0, 'a')).toBeInstanceOf(Promise); // the write step asked to wait
    const waiting = submit(1, 'b');
    expect(waiting).toBeInstanceOf(Promise);
    step.poll(); // a timer does not close more while waiting
    expect(write.items).toHaveLength(1);
    write.release();
    await waiting;
    expect(write.items.map((b) => b.contents)).toEqual([['a'], ['b']]);
  });

  it('hands on what it holds on join()', async () => {
    const { step, write, submit } = setUp({});
    submit(0, 'a');
    expect(await step.join()).toBe(true);
    expect(write.items.map((b) => b.contents)).toEqual([['a']]);
    expect(write.joins).toBe(1);
  });
});
