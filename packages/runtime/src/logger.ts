// One pino logger per process; level from LOG_LEVEL. Client addresses are never logged (see DESIGN.md).
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** Defaults to env LOG_LEVEL, then `info`. */
  level?: string;
  /** Where to write (tests pass a stream); defaults to stdout. */
  destination?: DestinationStream;
  env?: Record<string, string | undefined>;
}

const LEVELS = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function createLogger(service: string, options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const wanted = (options.level ?? env.LOG_LEVEL ?? 'info').toLowerCase();
  const level = LEVELS.has(wanted) ? wanted : 'info';
  const logger = pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
  if (level !== wanted) logger.warn({ LOG_LEVEL: wanted }, 'unknown LOG_LEVEL, using info');
  return logger;
}
