// The one error type of @opa-fleet/releases: data with a stable code, never matched by message.

export type ReleaseErrorCode = 'INVALID_TAG' | 'INVALID_RELEASE';

export class ReleaseError extends Error {
  override readonly name = 'ReleaseError';
  readonly retriable = false;

  constructor(
    readonly code: ReleaseErrorCode,
    message: string,
  ) {
    super(message);
  }
}
