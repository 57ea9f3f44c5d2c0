// Stand-ins for the consumer chain's unit tests: a kafkajs consumer driven by hand, a next step that
// records what it was handed, records, and a logger that says nothing.
import type { Consumer, ConsumerRunConfig, EachBatchPayload } from 'kafkajs';
import { pino } from 'pino';
import type { Step } from '../../src/consumer/step';
import type { ConsumedRecord, DeadLetter } from '../../src/dead-letter';

export const silent = pino({ level: 'silent' });

export function record(offset: number, value = `v${offset}`, topic = 't'): ConsumedRecord {
  return {
    topic,
    partition: 0,
    offset: String(offset),
    key: null,
    value: Buffer.from(value),
    headers: {},
    timestamp: '0',
  };
}

/** A next step that keeps what it was handed, optionally held until release(). */
export class RecordingStep<T> implements Step<T> {
  readonly items: T[] = [];
  joins = 0;
  private gate: Promise<void> | null = null;
  private open: (() => void) | null = null;

  hold(): void {
    this.gate = new Promise((resolve) => {
      this.open = resolve;
    });
  }

  release(): void {
    this.open?.();
    this.gate = null;
  }

  submit(item: T): Promise<void> | undefined {
    this.items.push(item);
    return this.gate ?? undefined;
  }

  async join(): Promise<boolean> {
    this.joins++;
    return true;
  }
}

export class FakeDeadLetters {
  readonly sent: DeadLetter[] = [];
  async send(letters: readonly DeadLetter[]): Promise<void> {
    this.sent.push(...letters);
  }
}

type Listener = (event: { payload: Record<string, unknown> }) => void;

/** A kafkajs consumer whose crashes, group joins and fetches the test makes happen. */
export class FakeConsumer {
  readonly events = { GROUP_JOIN: 'group.join', CRASH: 'consumer.crash' } as const;
  readonly listeners = new Map<string, Listener[]>();
  subscribedTo: string[] = [];
  connected = false;
  running: ConsumerRunConfig | null = null;
  paused = false;
  committed: unknown[] = [];

  on(event: string, listener: Listener): () => void {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return () => undefined;
  }
  emit(event: string, payload: Record<string, unknown>): void {
    for (const listener of this.listeners.get(event) ?? []) listener({ payload });
  }
  async connect() {
    this.connected = true;
  }
  async subscribe({ topics }: { topics: string[] }) {
    this.subscribedTo = [...topics];
  }
  async run(config: ConsumerRunConfig) {
    this.running = config;
  }
  async disconnect() {
    this.connected = false;
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  async commitOffsets(offsets: unknown[]) {
    this.committed.push(...offsets);
  }

  /** Delivers one fetch of `records` of topic `topic`, partition 0, as kafkajs would. */
  async fetch(topic: string, values: string[], firstOffset = 0): Promise<string[]> {
    const resolved: string[] = [];
    const payload = {
      batch: {
        topic,
        partition: 0,
        messages: values.map((v, i) => ({
          offset: String(firstOffset + i),
          key: null,
          value: Buffer.from(v),
          headers: {},
          timestamp: '0',
        })),
        offsetLag: () => '0',
      },
      resolveOffset: (offset: string) => resolved.push(offset),
      heartbeat: async () => undefined,
      isRunning: () => true,
      isStale: () => false,
    } as unknown as EachBatchPayload;
    await this.running!.eachBatch!(payload);
    return resolved;
  }
}

/** kafka.consumer() handing out FakeConsumers, the newest last. */
export function fakeKafka() {
  const consumers: FakeConsumer[] = [];
  return {
    consumers,
    consumer: () => {
      const c = new FakeConsumer();
      consumers.push(c);
      return c as unknown as Consumer;
    },
  };
}

export async function until(check: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
