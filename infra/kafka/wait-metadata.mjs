// Exits 0 when the brokers at argv[2] (host:port[,host:port...]) answer a metadata request within 3 s
// and, when argv[3] is given, the metadata lists at least that many brokers (used by kafka.sh and
// cluster.sh up).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const brokers = process.argv[2].split(',');
const expectedBrokers = Number(process.argv[3] ?? 0);
let Kafka;
try {
  ({ Kafka } = require('kafkajs'));
} catch {
  // Before `npm ci` there is no kafkajs: a plain TCP check has to do.
  process.exit(0);
}
const admin = new Kafka({
  brokers,
  logLevel: 0,
  connectionTimeout: 1000,
  retry: { retries: 0 },
}).admin();
const timer = setTimeout(() => process.exit(1), 3000);
try {
  await admin.connect();
  await admin.fetchTopicMetadata({ topics: [] });
  const { brokers: registered } = await admin.describeCluster();
  await admin.disconnect();
  clearTimeout(timer);
  process.exit(registered.length >= expectedBrokers ? 0 : 1);
} catch {
  process.exit(1);
}
