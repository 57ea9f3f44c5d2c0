// Exactly-once accumulation against a recording write step: one batch per partition, a partition's
// first batch ending exactly at its recorded end whatever the limits say, and batches of an earlier
// generation left behind.
import { describe, expect, it } from 'vitest';
import { partitionAccumulateStep } from '../../src/consumer/partition-accumulate-step';
import { refuseRecordWith } from '../../src/consumer/refusals';
import type { Batch } from '../../src/consumer/step';
import { RecordingStep, record, silent } from './fakes';

function setUp(options: { maxRows?: number; maxWaitMs?: number; ends?: Record<string, string> }) {
  let now = 0;
  let generation = 1;
  let ends = new Map(Object.entries(options.ends ?? {}));
  const write = new RecordingStep<Batch<string[]>>();
  const step = partitionAccumulateStep<string[], string>({
    sink: {
      createBatch: () => [],
      add: (contents, value) => {
        if (value === 'bad') throw new Error('cannot encode');
        contents.push(value);
      },
      size: (contents) => ({ rows: contents.length, bytes: 0 }),
    },
    limits: { maxRows: options.maxRows ?? 3, maxBytes: 1e9, maxWaitMs: options.maxWaitMs ?? 1000 },
    refuse: refuseRecordWith({ log: silent }),
    boundaries: {
      generation: () => generation,
      plannedEnd: (topic, partition) => {
        const end = ends.get(`${topic}/${partition}`) ?? null;
        ends.delete(`${topic}/${partition}`);
        return end;
      },
    },
    next: write,
    now: () => now,
  });
  const submit = (partition: number, offset: number, value = `p${partition}o${offset}`) =>
    step.submit({ record: { ...record(offset, value), partition }, ok: true, value });
  const ranges = () => write.items.map((b) => `${b.range!.partition}:${b.range!.start}-${b.range!.end}`);
  return {
    step,
    write,
    submit,
    ranges,
    tick: (ms: number) => {
      now += ms;
    },
    rejoin: (next: Record<string, string> = {}) => {
      generation += 1;
      ends = new Map(Object.entries(next));
    },
  };
}

describe('partition accumulate step (exactly-once batches)', () => {
  it('keeps every batch to one partition, with its offset range and generation', () => {
    const { write, submit, ranges } = setUp({ maxRows: 2 });
    submit(0, 10);
    submit(1, 50);
    submit(0, 11);
    submit(1, 51);
    expect(ranges()).toEqual(['0:10-12', '1:50-52']);
    expect(write.items[0]!.contents).toEqual(['p0o10', 'p0o11']);
    expect([...write.items[0]!.offsets.values()]).toEqual([{ topic: 't', partition: 0, offset: '12' }]);
    expect(write.items.map((b) => b.generation)).toEqual([1, 1]);
  });

  it('closes a partition first batch exactly at its recorded end, past maxRows and maxWaitMs', () => {
    const { step, submit, ranges, tick } = setUp({ maxRows: 2, maxWaitMs: 100, ends: { 't/0': '14' } });
    submit(0, 10);
    submit(0, 11);
    submit(0, 12);
    tick(500);
    step.poll();
    expect(ranges()).toEqual([]); // held for offset 13
    submit(0, 13);
    expect(ranges()).toEqual(['0:10-14']);
    // The next batch closes by the limits again.
    submit(0, 14);
    submit(0, 15);
    expect(ranges()).toEqual(['0:10-14', '0:14-16']);
  });

  it('closes at the last record before a recorded end that was skipped over', () => {
    const { submit, ranges, write } = setUp({ maxRows: 10, ends: { 't/0': '14' } });
    submit(0, 10);
    submit(0, 11);
    submit(0, 20); // 12..19 are gone (retention)
    expect(ranges()).toEqual(['0:10-12']);
    expect(write.items[0]!.contents).toEqual(['p0o10', 'p0o11']);
  });

  it('counts a dead-lettered record inside the recorded range', () => {
    const { submit, ranges, write } = setUp({ maxRows: 10, ends: { 't/0': '3' } });
    submit(0, 0);
    submit(0, 1, 'bad');
    submit(0, 2);
    expect(ranges()).toEqual(['0:0-3']);
    expect(write.items[0]!.contents).toEqual(['p0o0', 'p0o2']);
    expect(write.items[0]!.deadLetters.map((d) => d.record.offset)).toEqual(['1']);
  });

  it('drops what it held when the generation changes, and reads the new recorded ends', () => {
    const { step, submit, ranges, rejoin } = setUp({ maxRows: 3 });
    submit(0, 10);
    submit(0, 11);
    expect(step.held()).toBe(2);
    rejoin({ 't/0': '12' }); // the same partition again, from its committed offset 10
    submit(0, 10);
    expect(step.held()).toBe(1);
    submit(0, 11);
    expect(ranges()).toEqual(['0:10-12']);
  });

  it('lets go of a partition left behind by a join (it went to another member)', () => {
    const { step, submit, ranges, rejoin, tick } = setUp({
      maxRows: 10,
      maxWaitMs: 100,
      ends: { 't/1': '60' },
    });
    submit(1, 50); // held for its recorded end 60
    rejoin();
    tick(1000);
    step.poll();
    expect(step.held()).toBe(0);
    expect(ranges()).toEqual([]);
  });

  it('starts a fresh batch when a partition is read again from an earlier offset', () => {
    const { step, submit, ranges } = setUp({ maxRows: 3 });
    submit(0, 10);
    submit(0, 11);
    submit(0, 10);
    expect(step.held()).toBe(1);
    submit(0, 11);
    submit(0, 12);
    expect(ranges()).toEqual(['0:10-13']);
  });

  it('on join hands on batches closed by limits but keeps none short of a recorded end', async () => {
    const { step, submit, ranges } = setUp({ maxRows: 10, ends: { 't/1': '60' } });
    submit(0, 10);
    submit(1, 50);
    expect(await step.join()).toBe(true);
    expect(ranges()).toEqual(['0:10-11']);
    expect(step.held()).toBe(0);
  });
});
