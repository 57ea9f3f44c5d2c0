// Builds the app with in-memory stand-ins for Kafka (unit tests of HTTP behaviour only; the real produce
// path is covered by gateway.int.test.ts).

import { Writable } from 'node:stream';
import type { ReleaseInfo } from '@opa-fleet/contracts';
import { KafkaError, type OutgoingMessage } from '@opa-fleet/kafka';
import { createMetrics } from '@opa-fleet/runtime';
import { type LevelWithSilent, pino } from 'pino';
import { buildApp } from '../src/app';
import { type GatewayConfig, loadGatewayConfig } from '../src/config';
import { createPartitionTopics, type PartitionTopics } from '../src/partition-topics';

export const RELEASE: ReleaseInfo = {
  channel: 'latest',
  tag: 'v0.19.2',
  release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.2',
  download_base: 'https://openpolicyagent.org/downloads',
  published_at: null,
  source: 'file',
  updated_at: 0,
};

export interface FakeProducer {
  sent: OutgoingMessage[];
  /** When set, send() rejects with it. */
  failWith: KafkaError | null;
  connected: boolean;
  send(message: OutgoingMessage): Promise<void>;
  isConnected(): boolean;
}

export function fakeProducer(): FakeProducer {
  return {
    sent: [],
    failWith: null,
    connected: true,
    async send(message) {
      if (this.failWith) throw this.failWith;
      this.sent.push(message);
    },
    isConnected() {
      return this.connected;
    },
  };
}

export function unavailable(): KafkaError {
  return new KafkaError('KAFKA_UNAVAILABLE', 'not connected to Kafka', { retriable: true });
}

export interface TestAppOptions {
  /** Log lines at this level and above are kept in `logLines`. Default: nothing is logged. */
  logLevel?: LevelWithSilent;
  /** What the releases view answers to ready(). Default true. */
  releasesReady?: boolean;
}

export async function buildTestApp(
  env: Record<string, string> = {},
  release: ReleaseInfo | null = RELEASE,
  { logLevel = 'silent', releasesReady = true }: TestAppOptions = {},
) {
  const config: GatewayConfig = loadGatewayConfig({
    KAFKA_BROKERS: '127.0.0.1:1',
    GATEWAY_ID: 'gw-test',
    // The work on the event loop (the same report-work.ts as in a thread): a thread per app would cost
    // each test half a second to start; work-threads.test.ts and the process-level tests run the threads.
    WORK_THREADS: '0',
    ...env,
  });
  const registry = createMetrics('gateway');
  const producer = fakeProducer();
  const created: string[] = [];
  const [statusTopics, decisionTopics] = (['status', 'decisions'] as const).map((stream) =>
    createPartitionTopics({
      stream,
      policy: config.topicPolicy,
      admin: {
        ensureTopic: async (spec) => {
          created.push(spec.topic);
        },
        ensureTopics: async (specs) => {
          created.push(...specs.map((s) => s.topic));
          return specs.map((s) => s.topic);
        },
        listTopics: async () => [],
      },
      numPartitions: 1,
      replicationFactor: 1,
    }),
  ) as [PartitionTopics, PartitionTopics];
  await statusTopics.init();
  await decisionTopics.init();
  const logLines: string[] = [];
  const logDestination = new Writable({
    write(chunk, _enc, done) {
      logLines.push(chunk.toString());
      done();
    },
  });
  const app = buildApp({
    config,
    logger: pino({ level: logLevel }, logDestination),
    registry,
    producer,
    releases: { latest: () => release, ready: () => releasesReady },
    statusTopics,
    decisionTopics,
  });
  await app.ready();
  /** Current value of a metric series, e.g. metric('gateway_reports_rejected_total', { reason: 'X' }). */
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const found = await registry.getSingleMetric(name)?.get();
    return (found?.values ?? [])
      .filter((v) => Object.entries(labels).every(([k, val]) => String(v.labels[k]) === val))
      .reduce((sum, v) => sum + v.value, 0);
  };
  return { app, config, producer, registry, created, metric, logLines };
}
