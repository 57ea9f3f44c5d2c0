// Builds the release advisor from its configuration without starting anything, so tests can drive it.
import { type Logger, type OpsServer, type Registry, startOpsServer } from '@opa-fleet/runtime';
import { type Advisor, createAdvisor } from './advisor';
import { type AdvisorConfig, releasesTopic } from './config';
import { createFileReleasesSource } from './file-releases-source';
import { createGithubReleasesSource } from './github-releases-source';
import type { ReleaseSource } from './release-source';
import { createReleasesTopic } from './releases-topic';

export interface AdvisorApp {
  readonly advisor: Advisor;
  /** Reads the topic, starts polling and the ops server (/healthz, /readyz, /metrics). */
  start(): Promise<void>;
  /** The bound ops port once started (useful with PORT=0). */
  port(): number | null;
  /** Stops polling, waits for an in-flight publish, disconnects, closes the ops server. */
  stop(): Promise<void>;
}

export function buildSources(config: AdvisorConfig): ReleaseSource[] {
  const sources: ReleaseSource[] = [];
  if (config.RELEASES_API_ENABLED) {
    sources.push(
      createGithubReleasesSource({
        url: config.RELEASES_API_URL,
        token: config.RELEASES_API_TOKEN,
        timeoutMs: config.RELEASES_API_TIMEOUT_MS,
        intervalMs: config.RELEASES_POLL_INTERVAL_MS,
      }),
    );
  }
  if (config.RELEASES_FILE) {
    sources.push(createFileReleasesSource(config.RELEASES_FILE, config.RELEASES_FILE_POLL_INTERVAL_MS));
  }
  return sources;
}

export function buildApp(config: AdvisorConfig, deps: { logger: Logger; registry: Registry }): AdvisorApp {
  const { logger, registry } = deps;
  const topic = createReleasesTopic({
    brokers: config.KAFKA_BROKERS,
    topic: releasesTopic(config),
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    logger,
  });
  const sources = buildSources(config);
  if (sources.length === 0) {
    logger.warn('no release source configured: only releases published with the CLI will be served');
  }
  const advisor = createAdvisor({
    sources,
    topic,
    channel: config.RELEASES_CHANNEL,
    downloadBase: config.DOWNLOAD_BASE,
    retryMinMs: config.RETRY_MIN_MS,
    logger,
    registry,
  });
  let ops: OpsServer | null = null;

  return {
    advisor,
    async start() {
      // Ops first, so /healthz answers and /readyz says "not ready" while Kafka is being reached.
      ops = await startOpsServer({
        port: config.PORT,
        host: config.HOST,
        registry,
        logger,
        readiness: { releasesTopic: () => advisor.ready() },
      });
      await advisor.start();
    },
    port() {
      return ops?.port ?? null;
    },
    async stop() {
      await advisor.stop();
      await topic.stop();
      await ops?.close();
      ops = null;
    },
  };
}
