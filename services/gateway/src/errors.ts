// The gateway's one error type, for rejections that are the gateway's own (not the contracts' or Kafka's).

export type GatewayErrorCode =
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSUPPORTED_CONTENT_ENCODING'
  | 'INVALID_GZIP'
  | 'BODY_TOO_LARGE'
  | 'MALFORMED_JSON'
  | 'EMPTY_BODY'
  | 'MALFORMED_URL'
  | 'INVALID_PARTITION'
  | 'PARTITION_NOT_ALLOWED'
  | 'PARTITION_LIMIT_REACHED'
  | 'MISSING_TOKEN'
  | 'INVALID_TOKEN'
  | 'INVALID_QUERY'
  | 'NOT_FOUND'
  | 'RELEASE_UNKNOWN'
  | 'METHOD_NOT_ALLOWED'
  | 'OVERLOADED'
  | 'SHUTTING_DOWN';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** JSON path of the offending value, when there is one. */
    readonly path: string | null = null,
  ) {
    super(message);
  }
}
