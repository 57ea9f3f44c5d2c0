// The fleet console's one error type: a stable code, the HTTP status it maps to, and the parameter at fault.

const STATUS = {
  UNKNOWN_PARAM: 400,
  MISSING_PARAM: 400,
  INVALID_PARAM: 400,
  MISSING_TOKEN: 401,
  INVALID_TOKEN: 401,
  UNKNOWN_QUERY: 404,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  QUERY_NOT_SERVED: 501,
  QUERY_FAILED: 502,
} as const;

export type ConsoleErrorCode = keyof typeof STATUS;

export class ConsoleError extends Error {
  override readonly name = 'ConsoleError';
  readonly statusCode: number;

  constructor(
    readonly code: ConsoleErrorCode,
    message: string,
    /** The query parameter at fault, when there is one. */
    readonly param: string | null = null,
  ) {
    super(message);
    this.statusCode = STATUS[code];
  }

  toBody(): { code: ConsoleErrorCode; message: string; param: string | null } {
    return { code: this.code, message: this.message, param: this.param };
  }
}
