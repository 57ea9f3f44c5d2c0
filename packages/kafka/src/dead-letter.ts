// Dead-letter topic: records no consumer could decode or flatten, kept byte for byte (original key,
// value and headers) with headers naming where they came from and why they failed. The error code
// and path are read from the error's `code`/`path` fields (ContractError, FlattenError, ...), never
// parsed from the message.
import type { IHeaders, Producer } from 'kafkajs';

/** A record as the batch consumer hands it to sinks. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Broker timestamp (ms since epoch, as a string, as kafkajs gives it). */
  timestamp: string;
}

export interface RecordFailure {
  code: string;
  message: string;
  path: string | null;
  /** The downstream store's own error code (e.g. ClickHouse's numeric code), when the error has one. */
  serverCode?: string;
}

export interface DeadLetter {
  record: ConsumedRecord;
  failure: RecordFailure;
}

export interface DeadLetterSink {
  /** Resolves once the broker acknowledged every dead letter (acks=all); throws to be retried. */
  send(letters: readonly DeadLetter[]): Promise<void>;
}

/** Header names added to a dead-lettered record. */
export const DEAD_LETTER_HEADERS = {
  topic: 'dlq-origin-topic',
  partition: 'dlq-origin-partition',
  offset: 'dlq-origin-offset',
  timestamp: 'dlq-origin-timestamp',
  errorCode: 'dlq-error-code',
  errorMessage: 'dlq-error-message',
  errorPath: 'dlq-error-path',
  errorServerCode: 'dlq-error-server-code',
  group: 'dlq-consumer-group',
  /** Set instead of the origin offset and group when a gateway refused one event of an accepted upload. */
  gateway: 'dlq-gateway',
  failedAt: 'dlq-failed-at',
} as const;

const MAX_MESSAGE_LENGTH = 1000;

/** What went wrong with a record, from the error's own fields. */
export function recordFailure(err: unknown): RecordFailure {
  const e = (err ?? {}) as { code?: unknown; message?: unknown; path?: unknown; serverCode?: unknown };
  return {
    code: typeof e.code === 'string' && e.code.length > 0 ? e.code : 'UNEXPECTED_ERROR',
    message: (typeof e.message === 'string' ? e.message : String(err)).slice(0, MAX_MESSAGE_LENGTH),
    path: typeof e.path === 'string' ? e.path : null,
    ...(typeof e.serverCode === 'string' ? { serverCode: e.serverCode } : {}),
  };
}

export function deadLetterHeaders(letter: DeadLetter, groupId: string, now: Date = new Date()): IHeaders {
  const { record, failure } = letter;
  const headers: IHeaders = {
    ...record.headers,
    [DEAD_LETTER_HEADERS.topic]: record.topic,
    [DEAD_LETTER_HEADERS.partition]: String(record.partition),
    [DEAD_LETTER_HEADERS.offset]: record.offset,
    [DEAD_LETTER_HEADERS.timestamp]: record.timestamp,
    [DEAD_LETTER_HEADERS.errorCode]: failure.code,
    [DEAD_LETTER_HEADERS.errorMessage]: failure.message,
    [DEAD_LETTER_HEADERS.group]: groupId,
    [DEAD_LETTER_HEADERS.failedAt]: now.toISOString(),
  };
  if (failure.path !== null) headers[DEAD_LETTER_HEADERS.errorPath] = failure.path;
  if (failure.serverCode) headers[DEAD_LETTER_HEADERS.errorServerCode] = failure.serverCode;
  return headers;
}

export function createDeadLetterSink(options: {
  producer: Producer;
  topic: string;
  groupId: string;
}): DeadLetterSink {
  return {
    async send(letters) {
      if (letters.length === 0) return;
      await options.producer.send({
        topic: options.topic,
        acks: -1,
        messages: letters.map((letter) => ({
          key: letter.record.key,
          value: letter.record.value,
          headers: deadLetterHeaders(letter, options.groupId),
        })),
      });
    },
  };
}
