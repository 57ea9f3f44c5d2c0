// The one error type of this package: validation and decoding failures as data (code + JSON path).

export type ContractErrorCode =
  | 'INVALID_TYPE'
  | 'MISSING_FIELD'
  | 'INVALID_VALUE'
  | 'LIMIT_EXCEEDED'
  | 'UNKNOWN_SCHEMA'
  | 'CORRUPT_RECORD';

/**
 * A report that does not fit the contract, or a record that cannot be decoded.
 * Never retriable: the same input fails the same way (the gateway answers 4xx, a loader dead-letters it).
 */
export class ContractError extends Error {
  override readonly name = 'ContractError';
  readonly retriable = false as const;

  constructor(
    readonly code: ContractErrorCode,
    /** What is wrong, without the path (the message starts with the path). */
    readonly detail: string,
    /** JSON path of the offending value (`$.bundles["http/example/authz"].http_code`); null for codec errors. */
    readonly path: string | null = null,
  ) {
    super(path === null ? detail : `${path}: ${detail}`);
  }
}
