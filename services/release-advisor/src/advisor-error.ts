// The release advisor's one error type: stable codes, `retriable` read by the pollers' backoff.

export type AdvisorErrorCode =
  /** The releases API answered with a status we cannot use (retriable for 429/5xx). */
  | 'SOURCE_HTTP'
  /** The releases API could not be reached or timed out. */
  | 'SOURCE_UNREACHABLE'
  /** The releases API or the releases file sent something that is not a list of releases. */
  | 'SOURCE_INVALID'
  /** The releases file could not be read. */
  | 'FILE_UNREADABLE'
  /** Bad command-line arguments. */
  | 'INVALID_ARGS';

export class AdvisorError extends Error {
  override readonly name = 'AdvisorError';
  readonly retriable: boolean;

  constructor(
    readonly code: AdvisorErrorCode,
    message: string,
    options: { retriable: boolean; cause?: unknown; retryAfterMs?: number },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable;
    this.retryAfterMs = options.retryAfterMs ?? null;
  }

  /** How long the server asked us to wait (Retry-After, GitHub's rate-limit reset); null when it did not say. */
  readonly retryAfterMs: number | null;
}
