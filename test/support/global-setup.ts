// Vitest global setup of the integration project: find or start Kafka and ClickHouse once,
// hand their addresses to every test file through the environment.
import { discoverStack } from './stack-discovery';

export default async function setup(): Promise<() => Promise<void>> {
  const stack = await discoverStack();
  process.env.KAFKA_BROKERS = stack.kafkaBrokers;
  process.env.CLICKHOUSE_URL = stack.clickhouseUrl;
  process.env.OPA_STACK_SOURCE = stack.source;
  console.log(
    `[integration] using ${stack.source}: KAFKA_BROKERS=${stack.kafkaBrokers} CLICKHOUSE_URL=${stack.clickhouseUrl}`,
  );
  return () => stack.stop();
}
