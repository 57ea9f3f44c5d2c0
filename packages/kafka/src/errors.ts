// The kafka package's one error type. Callers branch on `code` and `retriable`, never on the message.

export type KafkaErrorCode =
  /** Not connected to the cluster (yet, or any more); retry later. */
  | 'KAFKA_UNAVAILABLE'
  /** The producer's bound on queued + in-flight messages is reached: shed load, retry later. */
  | 'PRODUCER_OVERLOADED'
  /** The broker did not acknowledge within the send timeout; the record may still be written. */
  | 'PRODUCE_TIMEOUT'
  /** The broker refused the batch for a reason retrying will not fix (e.g. record too large). */
  | 'PRODUCE_FAILED'
  /** send() after close() began. */
  | 'PRODUCER_CLOSED'
  /** Creating or describing topics failed. */
  | 'TOPIC_ADMIN_FAILED'
  /** A topic policy or topic name that cannot work (bad prefix, illegal name). */
  | 'INVALID_TOPIC_POLICY';

export class KafkaError extends Error {
  readonly code: KafkaErrorCode;
  readonly retriable: boolean;

  constructor(code: KafkaErrorCode, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KafkaError';
    this.code = code;
    this.retriable = options.retriable;
  }
}

/**
 * Whether a kafkajs error is worth trying again later: kafkajs says so, or it gave up retrying
 * (KafkaJSNumberOfRetriesExceeded, which kafkajs itself marks non-retriable: the cluster was away
 * longer than its retries), or the connection failed.
 */
export function kafkaJsRetriable(err: unknown): boolean {
  const e = err as { name?: string; retriable?: boolean };
  return (
    e?.retriable === true ||
    e?.name === 'KafkaJSNumberOfRetriesExceeded' ||
    e?.name === 'KafkaJSConnectionError'
  );
}

/** A failed produce request: KAFKA_UNAVAILABLE when retrying later can help, PRODUCE_FAILED otherwise. */
export function toKafkaError(err: unknown): KafkaError {
  const e = err as { message?: string };
  if (kafkaJsRetriable(err)) {
    return new KafkaError('KAFKA_UNAVAILABLE', `Kafka did not accept the batch: ${e?.message ?? 'unknown'}`, {
      retriable: true,
      cause: err,
    });
  }
  return new KafkaError('PRODUCE_FAILED', `Kafka refused the batch: ${e?.message ?? 'unknown'}`, {
    retriable: false,
    cause: err,
  });
}
