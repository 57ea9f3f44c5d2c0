// Write: each closed batch in order, its dead letters first (once), then its contents, then hands
// it to the commit step. The one retry policy of the chain lives here: a failed write keeps the
// batch at the head, reports the sink unhealthy (the consumer pauses fetching) and is retried with
// backoff until it succeeds; later batches wait behind it. A write the sink refuses for some records
// is isolated (isolate-refused.ts) instead of retried for ever.
import { Backoff, type RetryPolicy } from '@opa-fleet/runtime';
import type { Logger } from 'pino';
import type { ConsumedRecord, DeadLetterSink } from '../dead-letter';
import { continueIsolation, type Isolation, type IsolationSink, startIsolation } from './isolate-refused';
import type { RefuseRecord } from './refusals';
import type { BatchSink } from './sink';
import type { Batch, Step } from './step';

export interface FlushObservation {
  records: number;
  rows: number;
  bytes: number;
  deadLetters: number;
  seconds: number;
  ok: boolean;
  error?: unknown;
}

export interface WriteStep<C> extends Step<Batch<C>> {
  /** False from a failed write until a write succeeds again. */
  healthy(): boolean;
  /** Records (written or not) in batches not yet committed. */
  held(): number;
  /** No retries after this; a write in flight finishes. */
  close(): void;
}

export function writeStep<C>(options: {
  sink: Pick<BatchSink<C, unknown>, 'write' | 'size' | 'rejectsRecords'>;
  /** Records [from, to) of a batch's contents as contents of their own (see BatchSink.part). */
  part: (contents: C, from: number, to: number, records: readonly ConsumedRecord[]) => C;
  deadLetter: DeadLetterSink;
  retry: RetryPolicy;
  refuse: RefuseRecord;
  log: Logger;
  /** Called when the sink turns unhealthy (true) and healthy again (false). */
  onFailing: (failing: boolean) => void;
  onFlush?: (e: FlushObservation) => void;
  /**
   * Exactly-once mode: called before each attempt at a batch; false drops it unwritten (its records
   * are delivered again to whoever owns its partition now); a throw is a failed write (retried).
   */
  admit?: (batch: Batch<C>) => Promise<boolean>;
  next: Step<Batch<C>>;
}): WriteStep<C> {
  const { sink, deadLetter, refuse, log, next } = options;
  const isolationSink: IsolationSink<C> | null = sink.rejectsRecords
    ? {
        write: (contents) => sink.write(contents),
        rejectsRecords: (err) => sink.rejectsRecords!(err),
        part: options.part,
      }
    : null;
  const backoff = new Backoff(options.retry);
  const queue: Batch<C>[] = [];
  const deadLettersSent = new WeakSet<Batch<C>>();
  const isolations = new WeakMap<Batch<C>, Isolation>();
  /** The last write attempt; attempts run one after the other. */
  let chain: Promise<boolean> = Promise.resolve(true);
  let attemptsInFlight = 0;
  let failing = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let closed = false;

  /** `retry`: the retry timer or a join; other attempts queued behind a failure leave it to them. */
  function attempt(retry: boolean): Promise<boolean> {
    attemptsInFlight += 1;
    const run = chain
      .then(() => writeQueued(retry))
      .finally(() => {
        attemptsInFlight -= 1;
      });
    chain = run;
    return run;
  }

  async function writeQueued(retry: boolean): Promise<boolean> {
    if (failing && !retry) return false;
    while (queue.length > 0) {
      if (!(await writeBatch(queue[0]!))) return false; // stays at the head; retried later
      queue.shift();
    }
    if (failing) {
      failing = false;
      backoff.reset();
      options.onFailing(false);
      log.info('flush succeeded again; partitions resumed');
    }
    return true;
  }

  async function writeBatch(batch: Batch<C>): Promise<boolean> {
    const started = performance.now();
    const { rows, bytes } = sink.size(batch.contents);
    const observe = (ok: boolean, error?: unknown) =>
      options.onFlush?.({
        records: batch.records.length,
        rows,
        bytes,
        deadLetters: batch.deadLetters.length,
        seconds: (performance.now() - started) / 1000,
        ok,
        error,
      });
    try {
      if (options.admit && !(await options.admit(batch))) {
        log.info(
          { range: batch.range },
          'batch from an earlier group generation dropped; its records are read again',
        );
        return true;
      }
      if (batch.deadLetters.length > 0 && !deadLettersSent.has(batch)) {
        await deadLetter.send(batch.deadLetters);
        deadLettersSent.add(batch);
      }
      if (batch.records.length > 0) await writeContents(batch);
    } catch (err) {
      observe(false, err);
      failed(err);
      return false;
    }
    observe(true);
    await next.submit(batch);
    return true;
  }

  async function writeContents(batch: Batch<C>): Promise<void> {
    let isolation = isolations.get(batch);
    if (!isolation) {
      try {
        await sink.write(batch.contents, batchKey(batch));
        return;
      } catch (err) {
        if (!isolationSink?.rejectsRecords(err)) throw err;
        log.warn(
          { err, records: batch.records.length },
          'the sink refused records of the batch; isolating them',
        );
        isolation = startIsolation(batch.records, err, refuse);
        isolations.set(batch, isolation);
      }
    }
    await continueIsolation(isolation, batch.contents, batch.records, isolationSink!, refuse);
    await deadLetter.send(isolation.refused);
  }

  function failed(err: unknown): void {
    const e = err as { code?: unknown; retriable?: unknown; serverCode?: unknown };
    if (!failing) {
      failing = true;
      options.onFailing(true);
    }
    const delay = backoff.next();
    log.error(
      { err, code: e.code, retriable: e.retriable, serverCode: e.serverCode, retryInMs: delay },
      'flush failed; partitions paused, retrying',
    );
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    if (closed) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void attempt(true);
    }, delay);
  }

  return {
    submit(batch) {
      queue.push(batch);
      if (failing) return undefined; // the retry writes it after the failed one
      const busy = attemptsInFlight > 0;
      const previous = chain;
      void attempt(false);
      return busy ? previous.then(() => undefined) : undefined;
    },
    join() {
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
      return attempt(true);
    },
    healthy: () => !failing,
    held: () => queue.reduce((n, b) => n + b.records.length + b.deadLetters.length, 0),
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = null;
    },
  };
}

/** The name of a batch's records for the sink (exactly-once mode): topic, partition, offset range. */
export function batchKey(batch: Batch<unknown>): string | undefined {
  const r = batch.range;
  return r ? `${r.topic}:${r.partition}:${r.start}-${r.end}` : undefined;
}
