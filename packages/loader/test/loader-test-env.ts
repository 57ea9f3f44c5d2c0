// What every loader integration test sets up on the real Kafka and ClickHouse: a unique topic
// prefix, consumer group and database per run; the loader env pointing there; a ClickHouse client
// with helpers to read rows; polling; reading the dead-letter topic.
import { randomBytes } from 'node:crypto';
import {
  bindQueryParams,
  type ClickHouseClient,
  createClickHouseClient,
  loadAnalystQueries,
} from '@opa-fleet/clickhouse';
import { type TopicNames, topicNames } from '@opa-fleet/kafka';
import type { Kafka } from 'kafkajs';
import { type Logger, pino } from 'pino';

export interface LoaderTestEnv {
  run: string;
  prefix: string;
  names: TopicNames;
  database: string;
  groupId: string;
  logger: Logger;
  /** Environment for the loader's loadConfig(): brokers, ClickHouse, prefix, group, database, short batches. */
  env: Record<string, string | undefined>;
  clickhouse: ClickHouseClient;
  rows<T = Record<string, unknown>>(query: string): Promise<T[]>;
  /** count() of `table` (in the test database) FINAL, with an optional WHERE clause. */
  count(table: string, where?: string): Promise<number>;
  /** A documented analyst query run as an analyst runs it: unqualified tables, the test database as default. */
  documented<T = Record<string, unknown>>(
    name: string,
    params?: Record<string, string | number>,
  ): Promise<T[]>;
  /** Drops the database, closes the client. */
  close(): Promise<void>;
}

/** `tag` keeps names of different suites apart, e.g. `sl` -> topics `it-sl-<run>.`, database `it_sl_<run>`. */
export function loaderTestEnv(tag: string): LoaderTestEnv {
  const run = randomBytes(4).toString('hex');
  const prefix = `it-${tag}-${run}.`;
  const database = `it_${tag.replaceAll('-', '_')}_${run}`;
  const groupId = `it-${tag}-${run}`;
  const env = {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS,
    CLICKHOUSE_URL: process.env.CLICKHOUSE_URL,
    CLICKHOUSE_DATABASE: database,
    TOPIC_PREFIX: prefix,
    GROUP_ID: groupId,
    BATCH_MAX_WAIT_MS: '300',
    PORT: '0',
  };
  const clickhouse = createClickHouseClient({ url: process.env.CLICKHOUSE_URL ?? '', database: 'default' });
  const rows = async <T = Record<string, unknown>>(query: string): Promise<T[]> => {
    const result = await clickhouse.query({
      query,
      format: 'JSONEachRow',
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
    });
    return result.json<T>();
  };
  return {
    run,
    prefix,
    names: topicNames(prefix),
    database,
    groupId,
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    env,
    clickhouse,
    rows,
    async count(table, where = '1') {
      const [r] = await rows<{ n: number }>(
        `SELECT count() AS n FROM ${database}.${table} FINAL WHERE ${where}`,
      );
      return Number(r!.n);
    },
    documented: <T = Record<string, unknown>>(name: string, params: Record<string, string | number> = {}) =>
      documentedQueryRows<T>(process.env.CLICKHOUSE_URL ?? '', database, name, params),
    async close() {
      await clickhouse.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await clickhouse.close();
    },
  };
}

/** Runs the documented query `name` (schemas/clickhouse/queries) with `database` as the default database. */
export async function documentedQueryRows<T = Record<string, unknown>>(
  url: string,
  database: string,
  name: string,
  params: Record<string, string | number> = {},
): Promise<T[]> {
  const sql = loadAnalystQueries().get(name);
  if (sql === undefined) throw new Error(`no documented query ${name}`);
  const client = createClickHouseClient({ url, database });
  try {
    const result = await client.query({ query: bindQueryParams(sql, params), format: 'JSONEachRow' });
    return await result.json<T>();
  } finally {
    await client.close();
  }
}

export async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface DeadLetterRead {
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** Reads the dead-letter topic from the beginning until it holds at least `atLeast` records. */
export async function readDeadLetters(kafka: Kafka, topic: string, atLeast = 1): Promise<DeadLetterRead[]> {
  const consumer = kafka.consumer({ groupId: `it-dlq-reader-${randomBytes(4).toString('hex')}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const letters: DeadLetterRead[] = [];
  await consumer.run({
    eachMessage: async ({ message }) => {
      letters.push({
        key: message.key?.toString() ?? null,
        value: message.value?.toString() ?? '',
        headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
      });
    },
  });
  try {
    await until(() => letters.length >= atLeast, 30_000, 'dead letters');
    // A moment for any letter beyond the expected ones to show up, so tests can assert exact counts.
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    await consumer.disconnect();
  }
  return letters;
}
