// The one error type of this package. `serverCode` is ClickHouse's numeric error code (as a
// string, like @clickhouse/client reports it) or null for network failures; `retriable` is decided
// from that code or the network error, and from message text only for what a Distributed insert
// passes on from another server (fromAnotherServer).

export type ClickHouseErrorCode =
  | 'INSERT_FAILED'
  /** The server refused the rows themselves (a value it cannot parse or hold): fails again on retry. */
  | 'INSERT_REJECTED'
  | 'QUERY_FAILED'
  | 'MIGRATION_FAILED'
  | 'MIGRATION_CHANGED'
  | 'MIGRATION_INVALID'
  | 'RETENTION_FAILED'
  /** A retention setting that names no such table or an impossible number of days. */
  | 'RETENTION_INVALID'
  /** A pre-aggregate backfill statement failed, or its plan is not one it can run. */
  | 'BACKFILL_FAILED';

export class ClickHouseStoreError extends Error {
  override readonly name = 'ClickHouseStoreError';

  readonly retriable: boolean;
  readonly serverCode: string | null;

  constructor(
    readonly code: ClickHouseErrorCode,
    message: string,
    options: { retriable: boolean; serverCode?: string | null; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retriable = options.retriable;
    this.serverCode = options.serverCode ?? null;
  }
}

/**
 * Server codes worth retrying: overload, timeouts, replication/ZooKeeper hiccups, memory pressure.
 * Everything else from the server (syntax, unknown table, parse errors) fails the same way again.
 */
const RETRIABLE_SERVER_CODES = new Set([
  '3', // UNEXPECTED_END_OF_FILE (connection cut mid-request)
  '159', // TIMEOUT_EXCEEDED
  '164', // READONLY (e.g. replica in read-only mode)
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '203', // NO_FREE_CONNECTION
  '209', // SOCKET_TIMEOUT
  '210', // NETWORK_ERROR
  '225', // NO_ZOOKEEPER
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY
  '252', // TOO_MANY_PARTS
  '279', // ALL_CONNECTION_TRIES_FAILED (a shard's replicas unreachable from a Distributed insert)
  '285', // TOO_FEW_LIVE_REPLICAS
  '286', // UNSATISFIED_QUORUM_FOR_PREVIOUS_WRITE
  '319', // UNKNOWN_STATUS_OF_INSERT
  '425', // SYSTEM_ERROR
  '999', // KEEPER_EXCEPTION
]);

/**
 * Server codes that blame the inserted data, not the server, the schema or the query: the same rows
 * fail the same way every time, and fewer rows without the offending one go in. Deliberately not
 * here: unknown table/column/database, access, syntax and settings errors, which would refuse every
 * row alike (a misconfiguration to fix and retry, not records to set aside).
 */
const ROW_REJECTION_SERVER_CODES = new Set([
  '6', // CANNOT_PARSE_TEXT
  '25', // CANNOT_PARSE_ESCAPE_SEQUENCE
  '26', // CANNOT_PARSE_QUOTED_STRING
  '27', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  '32', // ATTEMPT_TO_READ_AFTER_EOF (a truncated row)
  '38', // CANNOT_PARSE_DATE
  '41', // CANNOT_PARSE_DATETIME
  '53', // TYPE_MISMATCH
  '69', // ARGUMENT_OUT_OF_BOUND
  '70', // CANNOT_CONVERT_TYPE
  '72', // CANNOT_PARSE_NUMBER (e.g. a negative number for an unsigned column)
  '117', // INCORRECT_DATA (e.g. an unknown field in JSONEachRow)
  '128', // TOO_LARGE_ARRAY_SIZE
  '130', // CANNOT_READ_ARRAY_FROM_TEXT
  '131', // TOO_LARGE_STRING_SIZE
  '190', // SIZES_OF_ARRAYS_DOESNT_MATCH
  '321', // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  '349', // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
  '691', // UNKNOWN_ELEMENT_OF_ENUM
]);

const RETRIABLE_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

/** The server's error code of an error thrown by @clickhouse/client, or null when it has none. */
export function serverCodeOf(err: unknown): string | null {
  if (!err || typeof err !== 'object') return null;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && /^\d+$/.test(code)) return code;
  // @clickhouse/client only parses the error format of current servers (`Code: 60. DB::Exception: ... (TYPE)`);
  // ClickHouse 18.16 answers `Code: 60, e.displayText() = DB::Exception: ...`. The leading code is
  // the protocol's error header, not prose, so reading it is not matching on message text.
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string') {
    const match = /^Code: (\d+)[,.]/.exec(message);
    if (match) return match[1]!;
  }
  return null;
}

export function isRetriable(err: unknown): boolean {
  const serverCode = serverCodeOf(err);
  if (serverCode !== null) return RETRIABLE_SERVER_CODES.has(serverCode);
  // Not a server error: a network error (code like ECONNREFUSED), a timeout or an aborted socket.
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && RETRIABLE_NETWORK_CODES.has(code)) return true;
    e = (e as { cause?: unknown }).cause;
  }
  // @clickhouse/client reports request timeouts and socket hang-ups as plain Errors without a code.
  return !(err instanceof TypeError || err instanceof SyntaxError || err instanceof RangeError);
}

/** An insert's failure: INSERT_REJECTED when the server refused the rows themselves, INSERT_FAILED otherwise. */
export function toInsertError(table: string, err: unknown): ClickHouseStoreError {
  if (err instanceof ClickHouseStoreError) return err;
  const serverCode = serverCodeOf(err);
  if (serverCode !== null && ROW_REJECTION_SERVER_CODES.has(serverCode) && !fromAnotherServer(err)) {
    return toStoreError('INSERT_REJECTED', `insert into ${table} refused a row`, err);
  }
  const error = toStoreError('INSERT_FAILED', `insert into ${table} failed`, err);
  if (!fromAnotherServer(err)) return error;
  return new ClickHouseStoreError('INSERT_FAILED', error.message, {
    retriable: true,
    serverCode,
    cause: err,
  });
}

/**
 * A Distributed insert passes on what another server of the cluster answered, with the same codes a
 * local parse error has: a replica killed mid-insert is code 32 (ATTEMPT_TO_READ_AFTER_EOF) "while
 * receiving packet from <host:port>" (18.16 and current servers alike). That blames the connection
 * between the servers, not the rows: retried, never isolated (isolating would dead-letter good rows).
 * The one place this package reads an error's text; the code alone cannot tell the two apart.
 */
function fromAnotherServer(err: unknown): boolean {
  const message = err instanceof Error ? err.message : String(err);
  return /while (receiving packet from|sending packet to|connecting to) \S+:\d+/.test(message);
}

export function toStoreError(code: ClickHouseErrorCode, what: string, err: unknown): ClickHouseStoreError {
  if (err instanceof ClickHouseStoreError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ClickHouseStoreError(code, `${what}: ${message}`, {
    retriable: isRetriable(err),
    serverCode: serverCodeOf(err),
    cause: err,
  });
}
