// The Kafka variables every service reads, defined once: the brokers, the client id, the topic
// prefix and, for the services that create the standard topics, how they are laid out.
import { z } from 'zod';
import { envBoolean, envList, envPositiveInt } from './env-types';

export const envKafkaBrokers = () =>
  envList().pipe(
    z
      .array(z.string().regex(/^[^:\s]+:\d+$/, 'expected host:port'))
      .min(1, 'required: host:port[,host:port...]'),
  );

export const envTopicPrefix = () =>
  z
    .string()
    .regex(/^[A-Za-z0-9._-]{0,100}$/, 'at most 100 characters of [A-Za-z0-9._-]')
    .default('opa.');

/** KAFKA_BROKERS, KAFKA_CLIENT_ID (default `clientId`), TOPIC_PREFIX, CREATE_TOPICS, TOPIC_PARTITIONS, TOPIC_REPLICATION_FACTOR. */
export function kafkaEnvShape(defaults: { clientId: string }) {
  return {
    KAFKA_BROKERS: envKafkaBrokers(),
    KAFKA_CLIENT_ID: z.string().default(defaults.clientId),
    TOPIC_PREFIX: envTopicPrefix(),
    /** Create the standard topics (telemetry, status, dead letter, releases) when missing. */
    CREATE_TOPICS: envBoolean(true),
    TOPIC_PARTITIONS: envPositiveInt(3),
    TOPIC_REPLICATION_FACTOR: envPositiveInt(1),
  };
}
