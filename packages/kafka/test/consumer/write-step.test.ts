// The write step against a fake sink and a recording commit step: commit only after the sink,
// backoff while it fails, and bisection of a refused batch from the parts already made.
import { describe, expect, it } from 'vitest';
import { refuseRecordWith } from '../../src/consumer/refusals';
import type { Batch } from '../../src/consumer/step';
import { writeStep } from '../../src/consumer/write-step';
import type { ConsumedRecord } from '../../src/dead-letter';
import { FakeDeadLetters, RecordingStep, record, silent, until } from './fakes';

/** Contents are the values; a `poison` value is refused for its content, like a row ClickHouse cannot parse. */
class ArraySink {
  written: string[] = [];
  writes: string[][] = [];
  parts = 0;
  /** Write attempts (1-based) that fail as if the store went away. */
  unavailableAt = new Set<number>();
  gate: Promise<void> | null = null;
  size = (contents: string[]) => ({ rows: contents.length, bytes: contents.length });
  write = async (contents: string[]) => {
    this.writes.push(contents);
    if (this.gate) await this.gate;
    if (this.unavailableAt.has(this.writes.length)) {
      throw Object.assign(new Error('store unavailable'), { code: 'INSERT_FAILED', retriable: true });
    }
    const poison = contents.find((v) => v.startsWith('poison'));
    if (poison) throw Object.assign(new Error(`cannot parse ${poison}`), { code: 'INSERT_REJECTED' });
    this.written.push(...contents);
  };
  rejectsRecords = (err: unknown) => (err as { code?: unknown }).code === 'INSERT_REJECTED';
  part = (contents: string[], from: number, to: number) => {
    this.parts++;
    return contents.slice(from, to);
  };
}

function batchOf(values: string[]): Batch<string[]> {
  const records: ConsumedRecord[] = values.map((v, i) => record(i, v));
  return {
    contents: [...values],
    records,
    deadLetters: [],
    offsets: new Map([['t\u00000', { topic: 't', partition: 0, offset: String(values.length) }]]),
    openedAt: 0,
  };
}

function setUp(sink: ArraySink) {
  const commit = new RecordingStep<Batch<string[]>>();
  const deadLetters = new FakeDeadLetters();
  const failing: boolean[] = [];
  const step = writeStep({
    sink,
    part: sink.part,
    deadLetter: deadLetters,
    retry: { initialMs: 10, maxMs: 40, jitter: 0 },
    refuse: refuseRecordWith({ log: silent }),
    log: silent,
    onFailing: (f) => failing.push(f),
    next: commit,
  });
  return { step, commit, deadLetters, failing };
}

describe('write step', () => {
  it('hands a batch to the commit step only after the sink finished writing it', async () => {
    const sink = new ArraySink();
    let release!: () => void;
    sink.gate = new Promise((r) => {
      release = r;
    });
    const { step, commit } = setUp(sink);
    step.submit(batchOf(['a', 'b']));
    await until(() => sink.writes.length === 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(commit.items).toHaveLength(0);
    release();
    await until(() => commit.items.length === 1);
    expect(sink.written).toEqual(['a', 'b']);
    expect(step.held()).toBe(0);
  });

  it('retries a failing write with backoff, unhealthy meanwhile; later batches wait behind it', async () => {
    const sink = new ArraySink();
    sink.unavailableAt = new Set([1, 2, 3]);
    const { step, commit, failing } = setUp(sink);
    const started = Date.now();
    step.submit(batchOf(['a']));
    await until(() => sink.writes.length === 1);
    expect(step.healthy()).toBe(false);
    // Taken while failing: queued, and the caller is not made to wait for the outage.
    expect(step.submit(batchOf(['b']))).toBeUndefined();
    await until(() => commit.items.length === 2);
    // Three failures waited 10 + 20 + 40 ms, not a busy loop.
    expect(Date.now() - started).toBeGreaterThanOrEqual(65);
    expect(sink.writes).toEqual([['a'], ['a'], ['a'], ['a'], ['b']]);
    expect(commit.items.map((b) => b.contents)).toEqual([['a'], ['b']]);
    expect(failing).toEqual([true, false]);
    expect(step.healthy()).toBe(true);
  });

  it('bisects a refused batch from parts of it: refused records become dead letters, the rest is written, then committed', async () => {
    const sink = new ArraySink();
    const values = Array.from({ length: 16 }, (_, i) => (i === 3 || i === 12 ? `poison-${i}` : `r${i}`));
    const { step, commit, deadLetters } = setUp(sink);
    step.submit(batchOf(values));
    await until(() => commit.items.length === 1);
    expect([...sink.written].sort()).toEqual(values.filter((v) => !v.startsWith('poison')).sort());
    expect(deadLetters.sent.map((l) => [l.record.offset, l.failure.code])).toEqual([
      ['3', 'INSERT_REJECTED'],
      ['12', 'INSERT_REJECTED'],
    ]);
    // Bisection, not a write per record: about 2 * log2(16) per refused record, every one from a part.
    expect(sink.writes.length).toBeLessThanOrEqual(1 + 2 * 2 * 4);
    expect(sink.parts).toBe(sink.writes.length - 1);
  });

  it('resumes an isolation interrupted by an outage where it stopped', async () => {
    const sink = new ArraySink();
    sink.unavailableAt = new Set([2]);
    const values = ['r0', 'r1', 'poison-2', 'r3'];
    const { step, commit, deadLetters } = setUp(sink);
    step.submit(batchOf(values));
    await until(() => commit.items.length === 1);
    // whole (refused), [r0 r1] (outage), [r0 r1] again, [poison-2 r3] (refused), [poison-2], [r3]
    expect(sink.writes).toEqual([
      values,
      ['r0', 'r1'],
      ['r0', 'r1'],
      ['poison-2', 'r3'],
      ['poison-2'],
      ['r3'],
    ]);
    expect(sink.written).toEqual(['r0', 'r1', 'r3']);
    expect(deadLetters.sent.map((l) => l.record.offset)).toEqual(['2']);
  });

  it('sends the dead letters of a batch once, even when its write is retried', async () => {
    const sink = new ArraySink();
    sink.unavailableAt = new Set([1]);
    const { step, commit, deadLetters } = setUp(sink);
    const batch = batchOf(['a']);
    batch.deadLetters.push({
      record: record(9),
      failure: { code: 'CORRUPT_RECORD', message: 'x', path: null },
    });
    step.submit(batch);
    await until(() => commit.items.length === 1);
    expect(deadLetters.sent).toHaveLength(1);
  });
});
