// The producer's lanes: each one kafkajs idempotent producer (own connection, own producer id)
// sending one batch at a time. Connecting is retried in the background until close(); after a failed
// batch the lane's kafkajs producer is replaced (a new producer id), because the broker may still
// hold that batch and reusing its sequence numbers could make the broker drop a different batch as
// a "duplicate".
import type { Kafka, Producer as KafkaJsProducer } from 'kafkajs';
import type { Logger } from 'pino';
import { KafkaError } from '../errors';
import { rememberingKeyPartitioner } from './key-partitioner';
import type { QueuedSend } from './send-queue';

/** A batch on a lane, from sendBatch() until kafkajs settles it. */
export interface InFlightBatch {
  items: QueuedSend[];
  startedAt: number;
  /** Its callers were answered with PRODUCE_TIMEOUT; kafkajs still owns it. */
  timedOut: boolean;
}

export interface Lane {
  index: number;
  producer: KafkaJsProducer;
  connected: boolean;
  connecting: Promise<void> | null;
  reconnectTimer: NodeJS.Timeout | undefined;
  inFlight: InFlightBatch | null;
}

export class Lanes {
  readonly all: Lane[];
  private closing = false;

  constructor(
    private readonly options: {
      kafka: Pick<Kafka, 'producer'>;
      concurrency: number;
      /** kafkajs retries per batch (bounded, so one poisoned batch cannot wedge a lane). */
      retries: number;
      reconnectMs: number;
      log: Logger;
      /** A lane connected (again): queued records can leave. */
      onConnected: (connectedLanes: number) => void;
      onDisconnected: (connectedLanes: number) => void;
    },
  ) {
    this.all = Array.from({ length: Math.max(1, options.concurrency) }, (_, index) => ({
      index,
      producer: this.newKafkaProducer(),
      connected: false,
      connecting: null,
      reconnectTimer: undefined,
      inFlight: null,
    }));
  }

  connect(): Promise<void> {
    return Promise.all(this.all.map((lane) => this.connectLane(lane))).then(() => undefined);
  }

  anyConnected(): boolean {
    return this.all.some((lane) => lane.connected);
  }

  busy(): boolean {
    return this.all.some((lane) => lane.inFlight !== null);
  }

  free(): Lane | undefined {
    return this.all.find((lane) => lane.connected && lane.inFlight === null);
  }

  inFlight(): InFlightBatch[] {
    return this.all.flatMap((lane) => (lane.inFlight ? [lane.inFlight] : []));
  }

  /** After a failed batch: a fresh producer id for that lane, so no sequence number is reused. */
  replace(lane: Lane): void {
    if (this.closing) return;
    lane.connected = false;
    this.options.onDisconnected(this.connectedCount());
    const old = lane.producer;
    lane.producer = this.newKafkaProducer();
    old
      .disconnect()
      .catch((err: unknown) =>
        this.options.log.debug({ err: errorSummary(err) }, 'old producer disconnect failed'),
      );
    this.connectLane(lane).catch(() => {});
  }

  /** No reconnecting from now on. */
  stopConnecting(): void {
    this.closing = true;
    for (const lane of this.all) clearTimeout(lane.reconnectTimer);
  }

  async disconnect(): Promise<void> {
    for (const lane of this.all) lane.connected = false;
    this.options.onDisconnected(0);
    await Promise.all(
      this.all.map((lane) =>
        lane.producer
          .disconnect()
          .catch((err: unknown) => this.options.log.warn({ err: errorSummary(err) }, 'disconnect failed')),
      ),
    );
  }

  private connectedCount(): number {
    return this.all.filter((l) => l.connected).length;
  }

  private newKafkaProducer(): KafkaJsProducer {
    return this.options.kafka.producer({
      idempotent: true,
      // Idempotence needs ordered requests per connection; each lane sends one batch at a time anyway.
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: rememberingKeyPartitioner,
      retry: { retries: this.options.retries, initialRetryTime: 100, maxRetryTime: 2000 },
    });
  }

  private connectLane(lane: Lane): Promise<void> {
    if (lane.connected) return Promise.resolve();
    if (lane.connecting) return lane.connecting;
    const { log, reconnectMs } = this.options;
    lane.connecting = new Promise<void>((resolve, reject) => {
      const attempt = () => {
        if (this.closing) {
          lane.connecting = null;
          reject(
            new KafkaError('PRODUCER_CLOSED', 'producer closed before it connected', { retriable: false }),
          );
          return;
        }
        const current = lane.producer;
        current.connect().then(
          () => {
            if (current !== lane.producer) return attempt(); // replaced meanwhile
            lane.connected = true;
            lane.connecting = null;
            log.info({ lane: lane.index }, 'producer connected');
            resolve();
            this.options.onConnected(this.connectedCount());
          },
          (err: unknown) => {
            log.warn({ err: errorSummary(err), lane: lane.index }, 'producer cannot connect; retrying');
            lane.reconnectTimer = setTimeout(attempt, reconnectMs);
          },
        );
      };
      attempt();
    });
    return lane.connecting;
  }
}

export function errorSummary(err: unknown): { name?: string; message?: string } {
  const e = err as { name?: string; message?: string };
  return { name: e?.name, message: e?.message };
}
