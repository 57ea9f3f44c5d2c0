// The producer's clocks: linger (the first queued record waits `lingerMs` for company; 0 means after
// this event-loop turn) and the send timeout. A caller waits at most `sendTimeoutMs`: a batch in
// flight past its first record's deadline answers its callers with PRODUCE_TIMEOUT (and keeps
// counting until kafkajs settles it), queued records past theirs are swept off the queue; while a
// batch is overdue the producer is stalled. Every timeout answer is made here, through the queue.
import { KafkaError } from '../errors';
import type { InFlightBatch } from './lanes';
import type { QueuedSend, SendQueue } from './send-queue';

export class SendTiming {
  private lingerTimer: { cancel(): void } | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: {
      queue: SendQueue;
      lingerMs: number;
      sendTimeoutMs: number;
      /** Sends what is queued on free lanes. */
      dispatch: () => void;
      /** Whether anything is queued or in flight (the sweep stops when not). */
      active: () => boolean;
    },
  ) {}

  /**
   * Dispatch after the linger time (or `delayMs`), unless already scheduled. 0 ms means "after this
   * event-loop turn" (setImmediate), not setTimeout's 1 ms minimum: every record handed over during
   * the turn still shares the batch, and a lone record at low load is not held back.
   */
  linger(delayMs = this.options.lingerMs): void {
    if (this.lingerTimer) return;
    const { dispatch } = this.options;
    if (delayMs > 0) {
      const timer = setTimeout(dispatch, delayMs);
      this.lingerTimer = { cancel: () => clearTimeout(timer) };
    } else {
      const immediate = setImmediate(dispatch);
      this.lingerTimer = { cancel: () => clearImmediate(immediate) };
    }
  }

  /** A dispatch is under way: the linger is over. */
  endLinger(): void {
    this.lingerTimer?.cancel();
    this.lingerTimer = undefined;
  }

  /** Answers the batch's callers with PRODUCE_TIMEOUT at its first record's deadline; returns the cancel. */
  deadline(batch: InFlightBatch): () => void {
    const due = batch.items[0]!.enqueuedAt + this.options.sendTimeoutMs - batch.startedAt;
    const timer = setTimeout(
      () => {
        batch.timedOut = true;
        this.timeOut(batch.items);
      },
      Math.max(due, 1),
    );
    return () => clearTimeout(timer);
  }

  /** A batch in flight is past its deadline: Kafka is not acknowledging in time. */
  stalled(inFlight: readonly InFlightBatch[], now: number): boolean {
    return inFlight.some((b) => b.timedOut || now - b.startedAt > this.options.sendTimeoutMs);
  }

  /** While callers wait in the queue, those past their deadline are answered (and their room freed). */
  sweep(): void {
    if (this.sweepTimer) return;
    const { queue, sendTimeoutMs, active } = this.options;
    this.sweepTimer = setInterval(
      () => {
        if (!active()) {
          this.stop();
          return;
        }
        const expired = queue.takeExpired(Date.now(), sendTimeoutMs);
        if (expired.length === 0) return;
        this.timeOut(expired);
        queue.release(expired);
      },
      Math.min(100, Math.max(10, Math.floor(sendTimeoutMs / 10))),
    );
    this.sweepTimer.unref();
  }

  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
  }

  private timeOut(items: readonly QueuedSend[]): void {
    const { sendTimeoutMs } = this.options;
    const error = new KafkaError(
      'PRODUCE_TIMEOUT',
      `no acknowledgement from Kafka within ${sendTimeoutMs} ms`,
      {
        retriable: true,
      },
    );
    this.options.queue.answer(items, error);
  }
}
