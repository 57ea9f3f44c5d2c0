// Exits 0 when the broker at argv[2] answers a metadata request within 3 s (used by kafka.sh up).
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../package.json', import.meta.url));
const broker = process.argv[2];
let Kafka;
try {
  ({ Kafka } = require('kafkajs'));
} catch {
  // Before `npm ci` there is no kafkajs: a plain TCP check has to do.
  process.exit(0);
}
const admin = new Kafka({
  brokers: [broker],
  logLevel: 0,
  connectionTimeout: 1000,
  retry: { retries: 0 },
}).admin();
const timer = setTimeout(() => process.exit(1), 3000);
try {
  await admin.connect();
  await admin.fetchTopicMetadata({ topics: [] });
  await admin.disconnect();
  clearTimeout(timer);
  process.exit(0);
} catch {
  process.exit(1);
}
