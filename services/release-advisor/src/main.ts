// Starts the release advisor: config, logger, metrics, app; SIGINT/SIGTERM shut it down gracefully.
import { ConfigError, createLogger, createMetrics, createShutdown } from '@opa-fleet/runtime';
import { buildApp } from './app';
import { loadAdvisorConfig } from './config';

const logger = createLogger('release-advisor');

async function main(): Promise<void> {
  const config = loadAdvisorConfig();
  const registry = createMetrics('release-advisor');
  const app = buildApp(config, { logger, registry });
  const shutdown = createShutdown({ logger, timeoutMs: config.SHUTDOWN_TIMEOUT_MS });
  shutdown.installSignalHandlers();
  shutdown.onShutdown('release-advisor', () => app.stop());
  await app.start();
  logger.info({ port: app.port() }, 'release advisor started');
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) logger.fatal({ issues: err.issues }, err.message);
  else logger.fatal({ err }, 'release advisor failed to start');
  logger.flush();
  process.exit(1);
});
