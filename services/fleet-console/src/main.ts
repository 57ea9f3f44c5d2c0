// Starts the fleet console: config -> logger/metrics -> ClickHouse client -> HTTP.
// Shutdown (SIGINT/SIGTERM): stop accepting and finish in-flight requests, then close the client.
import { createClickHouseClient } from '@opa-fleet/clickhouse';
import { ConfigError, createLogger, createMetrics, createShutdown } from '@opa-fleet/runtime';
import { buildApp } from './app';
import { loadConsoleConfig } from './config';

const logger = createLogger('fleet-console');

async function main(): Promise<void> {
  const config = loadConsoleConfig();
  const registry = createMetrics('fleet-console');
  const shutdown = createShutdown({ logger, timeoutMs: config.shutdownTimeoutMs });
  shutdown.installSignalHandlers();

  const clickhouse = createClickHouseClient(config.clickhouse);
  shutdown.onShutdown('clickhouse', () => clickhouse.close());
  const app = buildApp({ config, logger, registry, clickhouse });
  shutdown.onShutdown('http', () => app.close());

  await app.listen({ port: config.port, host: config.host });
  logger.info(
    {
      port: config.port,
      host: config.host,
      database: config.clickhouse.database,
      auth: config.authTokens.length > 0,
      metricsTargets: config.metricsTargets.map((t) => t.name),
    },
    'fleet console listening',
  );
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) logger.fatal({ issues: err.issues }, err.message);
  else logger.fatal({ err }, 'fleet console failed to start');
  logger.flush();
  process.exit(err instanceof ConfigError ? 2 : 1);
});
