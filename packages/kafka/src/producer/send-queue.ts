// The producer's queue and its byte accounting: callers' records waiting for a lane, the bound on
// queued + in-flight records and bytes, and the one place a caller is answered (answer()), whatever
// answers it: an acknowledgement, a refused batch, a timeout, close().
import type { IHeaders } from 'kafkajs';
import type { Gauge } from 'prom-client';
import type { KafkaError } from '../errors';

export interface OutgoingMessage {
  topic: string;
  key: string | Buffer | null;
  value: Buffer;
  headers?: IHeaders;
}

/** One caller's record, from send() until Kafka acknowledged it (or it was answered otherwise). */
export interface QueuedSend {
  message: OutgoingMessage;
  bytes: number;
  enqueuedAt: number;
  /** The caller has its answer; the record may still be in flight (it counts until released). */
  answered: boolean;
  resolve: () => void;
  reject: (err: KafkaError) => void;
}

export interface SendQueueLimits {
  maxBatchMessages: number;
  maxBatchBytes: number;
  maxPendingMessages: number;
  maxPendingBytes: number;
}

export class SendQueue {
  private queue: QueuedSend[] = [];
  /** Queued + in flight. */
  private pendingMessages = 0;
  private pendingBytes = 0;

  constructor(
    private readonly limits: SendQueueLimits,
    private readonly metrics: {
      pending: Gauge;
      pendingBytes?: Gauge;
      onAnswer: (error: KafkaError | null) => void;
    } | null,
  ) {}

  get queued(): number {
    return this.queue.length;
  }

  get pending(): { messages: number; bytes: number } {
    return { messages: this.pendingMessages, bytes: this.pendingBytes };
  }

  /** Whether a record of `bytes` fits under the bound. */
  hasRoom(bytes: number): boolean {
    return (
      this.pendingMessages + 1 <= this.limits.maxPendingMessages &&
      this.pendingBytes + bytes <= this.limits.maxPendingBytes
    );
  }

  /** Queues a record; the promise settles through answer(). */
  enqueue(message: OutgoingMessage, bytes: number, now: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ message, bytes, enqueuedAt: now, answered: false, resolve, reject });
      this.pendingMessages += 1;
      this.pendingBytes += bytes;
      this.metrics?.pending.set(this.pendingMessages);
      this.metrics?.pendingBytes?.set(this.pendingBytes);
    });
  }

  /** True when enough is queued for a full batch. */
  full(): boolean {
    return this.queue.length >= this.limits.maxBatchMessages;
  }

  /** The next batch off the queue: up to maxBatchMessages records and maxBatchBytes bytes. */
  take(): QueuedSend[] {
    const items: QueuedSend[] = [];
    let bytes = 0;
    let taken = 0;
    for (const item of this.queue) {
      if (items.length >= this.limits.maxBatchMessages) break;
      if (items.length > 0 && bytes + item.bytes > this.limits.maxBatchBytes) break;
      taken += 1;
      if (item.answered) continue; // timed out while queued; already released
      items.push(item);
      bytes += item.bytes;
    }
    this.queue = this.queue.slice(taken);
    return items;
  }

  /** Takes the queued records waiting longer than `timeoutMs` off the queue (oldest first). */
  takeExpired(now: number, timeoutMs: number): QueuedSend[] {
    let n = 0;
    while (n < this.queue.length && now - this.queue[n]!.enqueuedAt >= timeoutMs) n += 1;
    const expired = this.queue.slice(0, n).filter((item) => !item.answered);
    this.queue = this.queue.slice(n);
    return expired;
  }

  /** Takes every queued record off the queue. */
  takeAll(): QueuedSend[] {
    const all = this.queue;
    this.queue = [];
    return all;
  }

  /** Answers each caller once: resolved on null, rejected with the error otherwise. */
  answer(items: readonly QueuedSend[], error: KafkaError | null): void {
    for (const item of items) {
      if (item.answered) continue;
      item.answered = true;
      this.metrics?.onAnswer(error);
      if (error) item.reject(error);
      else item.resolve();
    }
  }

  /** Frees the records' room under the bound (Kafka settled them, or they never left the queue). */
  release(items: readonly QueuedSend[]): void {
    for (const item of items) {
      this.pendingMessages -= 1;
      this.pendingBytes -= item.bytes;
    }
    this.metrics?.pending.set(this.pendingMessages);
    this.metrics?.pendingBytes?.set(this.pendingBytes);
  }
}
