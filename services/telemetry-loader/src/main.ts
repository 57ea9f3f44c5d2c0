// Starts the telemetry-loader: config -> logger/metrics -> ops server (/healthz /readyz /metrics) ->
// migrations -> consumer. SIGINT/SIGTERM: stop fetching, flush and commit what was consumed, leave
// the group, close the ops server (closers run in reverse registration order).
import { ConfigError, createLogger, createMetrics, createShutdown, startOpsServer } from '@opa-fleet/runtime';
import { buildTelemetryLoader } from './app';
import { loadTelemetryLoaderConfig, type TelemetryLoaderConfig } from './config';

async function main(): Promise<void> {
  const logger = createLogger('telemetry-loader');
  let config: TelemetryLoaderConfig;
  try {
    config = loadTelemetryLoaderConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal({ issues: err.issues }, err.message);
      process.exit(2);
    }
    throw err;
  }
  const registry = createMetrics('telemetry-loader');
  const shutdown = createShutdown({ logger, timeoutMs: config.shutdownTimeoutMs });
  shutdown.installSignalHandlers();

  const loader = buildTelemetryLoader({ config, logger, registry });
  const ops = await startOpsServer({
    port: config.port,
    host: config.host,
    registry,
    logger,
    readiness: { consumer: () => loader.ready() },
  });
  shutdown.onShutdown('ops-server', () => ops.close());
  shutdown.onShutdown('loader', () => loader.stop());
  await loader.start();
  logger.info({ groupId: config.groupId, database: config.clickhouse.database }, 'telemetry-loader running');
}

main().catch((err: unknown) => {
  console.error('telemetry-loader failed', err);
  process.exit(1);
});
