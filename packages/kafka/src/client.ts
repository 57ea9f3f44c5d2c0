// One kafkajs client per process, logging through the service's pino logger.
import { Kafka, type KafkaConfig, type LogEntry, logLevel } from 'kafkajs';
import type { Logger } from 'pino';
import { installCrc32c } from './kafkajs-crc32c';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  logger: Logger;
  /** kafkajs log level forwarded to pino; WARN by default (kafkajs is chatty at INFO). */
  level?: logLevel;
  /** Passed through (ssl, sasl, timeouts...). */
  config?: Partial<KafkaConfig>;
}

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  // Before any produce request is built (kafkajs-crc32c.ts); a kafkajs that kept its own only costs CPU.
  if (!installCrc32c()) log.debug('kafkajs keeps its own CRC-32C');
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3000,
    requestTimeout: 10_000,
    logLevel: options.level ?? logLevel.WARN,
    logCreator: () => (entry: LogEntry) => forward(log, entry),
    ...options.config,
  });
}

function forward(
  log: Logger,
  { level, namespace, log: { message, timestamp: _t, logger: _l, ...extra } }: LogEntry,
) {
  const fields = { namespace, ...extra };
  if (level === logLevel.ERROR) log.error(fields, message);
  else if (level === logLevel.WARN) log.warn(fields, message);
  else if (level === logLevel.INFO) log.info(fields, message);
  else log.debug(fields, message);
}
