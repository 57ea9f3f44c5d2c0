// A loader's main(): config (exit 2 on a bad variable) -> logger/metrics -> ops server (/healthz
// /readyz /metrics) -> migrations -> consumer. SIGINT/SIGTERM: stop fetching, flush and commit what
// was consumed, leave the group, close the ops server (closers run in reverse registration order).

import type { Logger, Registry } from '@opa-fleet/runtime';
import { ConfigError, createLogger, createMetrics, createShutdown, startOpsServer } from '@opa-fleet/runtime';
import type { LoaderConfig } from './loader-config';
import type { LoaderService } from './loader-service';

export interface LoaderProcess<C extends LoaderConfig> {
  /** Service name: logger `service` field, metrics `service` label. */
  name: string;
  loadConfig: () => C;
  build: (deps: { config: C; logger: Logger; registry: Registry }) => LoaderService;
}

/** Runs the loader until a signal; exits 2 on bad configuration, 1 when start-up fails for good. */
export function runLoaderProcess<C extends LoaderConfig>(definition: LoaderProcess<C>): void {
  startLoader(definition).catch((err: unknown) => {
    console.error(`${definition.name} failed`, err);
    process.exit(1);
  });
}

async function startLoader<C extends LoaderConfig>({
  name,
  loadConfig,
  build,
}: LoaderProcess<C>): Promise<void> {
  const logger = createLogger(name);
  let config: C;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal({ issues: err.issues }, err.message);
      process.exit(2);
    }
    throw err;
  }
  const registry = createMetrics(name);
  const shutdown = createShutdown({ logger, timeoutMs: config.shutdownTimeoutMs });
  shutdown.installSignalHandlers();

  const loader = build({ config, logger, registry });
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
  logger.info({ groupId: config.groupId, database: config.clickhouse.database }, `${name} running`);
}
