// The floor under the gateway, started by gateway.bench.ts: what Fastify and the Kafka client cost on
// their own, with none of the gateway's work (no envelope, normalization, Avro, metrics, hooks).
//
//   FLOOR_KAFKA=1  Fastify + JSON.parse, then the RAW body is produced through the same batching producer
//                  and producer settings as the gateway (read by loadGatewayConfig from the same environment; acks=all) to the gateway's topics;
//                  200 {} once Kafka acknowledged. A gateway that forwarded unvalidated JSON would cost this.
//   FLOOR_KAFKA=0  Fastify + JSON.parse, 200 {} at once (the "Fastify" orientation figure).
//
// POST /logs (decisions.bench.ts): the gzipped array inflated and JSON.parsed in one go, then the inflated
// array produced as ONE record (keyed by the first event's labels.id; the gateway produces one DecisionBatch
// record per upload and instance) to the decisions topic; 200 {} once Kafka acknowledged it. Its record is
// the raw JSON (about 305 KB for a 32 KB chunk), larger than the gateway's Avro batch (about 270 KB).
//
// The status value is the 4470 B body rather than the gateway's 1402 B Avro record, so this floor slightly
// overstates what Kafka costs the gateway for status updates; for version reports the sizes are alike.

import { gunzipSync } from 'node:zlib';
import { createKafkaClient, createProducer, topicNames } from '@opa-fleet/kafka';
import { createLogger, createShutdown } from '@opa-fleet/runtime';
import Fastify from 'fastify';
import { loadGatewayConfig } from '../../services/gateway/src/config';

const withKafka = process.env.FLOOR_KAFKA !== '0';
const config = loadGatewayConfig();
const logger = createLogger('stack-floor');
const topics = topicNames(config.topicPrefix);
const producer = withKafka
  ? createProducer({
      kafka: createKafkaClient({ brokers: config.kafkaBrokers, clientId: 'stack-floor', logger }),
      logger,
      ...config.producer,
    })
  : null;
// Shut down as the gateway does: HTTP first, then the producer; a failed closer exits 1.
const shutdown = createShutdown({ logger, timeoutMs: config.shutdownTimeoutMs });
shutdown.installSignalHandlers();
if (producer) {
  shutdown.onShutdown('producer', () => producer.close(config.producer.sendTimeoutMs));
  await producer.connect();
}

interface Parsed {
  raw: Buffer;
  json: { id?: unknown; labels?: { id?: unknown } };
}

const app = Fastify({ logger: false });
shutdown.onShutdown('http', () => app.close());
app.removeAllContentTypeParsers();
app.addContentTypeParser(
  'application/json',
  { parseAs: 'buffer', bodyLimit: config.logsBodyLimitBytes },
  (request, body, done) => {
    const raw =
      request.headers['content-encoding'] === 'gzip' ? gunzipSync(body as Buffer) : (body as Buffer);
    done(null, { raw, json: JSON.parse(raw.toString('utf8')) });
  },
);
const forward =
  (topic: string, keyOf: (json: Parsed['json']) => unknown) => async (request: { body: unknown }) => {
    const { raw, json } = request.body as Parsed;
    if (producer) await producer.send({ topic, key: String(keyOf(json)), value: raw });
    return {};
  };
app.post(
  '/status',
  forward(topics.status, (json) => json.labels?.id),
);
app.post(
  '/v1/version',
  forward(topics.telemetry, (json) => json.id),
);
app.post('/logs', async (request) => {
  const { raw, json } = request.body as Parsed;
  const events = json as unknown as { labels?: { id?: unknown } }[];
  if (producer) {
    await producer.send({ topic: topics.decisions, key: String(events[0]?.labels?.id), value: raw });
  }
  return {};
});
app.get('/readyz', async () => ({ status: 'ready' }));

await app.listen({ port: config.port, host: config.host });
