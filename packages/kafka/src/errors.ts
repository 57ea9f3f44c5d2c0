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
  | 'INVALID_TOPIC_POLICY'
  /** A consumed record could not be processed (used by the batch consumer / dead-letter path). */
  | 'RECORD_FAILED'
  /** The sink (e.g. ClickHouse insert) failed for a batch. */
  | 'SINK_FAILED';

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

export function isKafkaError(err: unknown): err is KafkaError {
  return err instanceof KafkaError;
}
