// The one error type of this package: a record that cannot be turned into rows.
// Never retriable: the same record fails the same way; loaders send it to the dead-letter topic.

export type FlattenErrorCode = 'MISSING_METRIC_VALUE' | 'UNKNOWN_METRIC_TYPE' | 'INVALID_NUMBER';

export class FlattenError extends Error {
  override readonly name = 'FlattenError';
  readonly retriable = false as const;

  constructor(
    readonly code: FlattenErrorCode,
    message: string,
    /** Where in the record, e.g. `metric_families[2].metrics[0].histogram`. */
    readonly path: string | null = null,
  ) {
    super(message);
  }
}
