// Builds the status-loader without starting it (tests drive it): every status topic
// (`<prefix>status` and `<prefix>status.<partition>`, new ones found while running) -> decode ->
// samples to store (SAMPLE_* settings) -> flatten -> one insert per table per batch -> commit. The wiring is @opa-fleet/loader's.
import { STATUS_TABLE_SPECS } from '@opa-fleet/clickhouse';
import { createLoaderService, type LoaderService } from '@opa-fleet/loader';
import type { Logger, Registry } from '@opa-fleet/runtime';
import type { StatusLoaderConfig } from './config';
import { statusRowsWith } from './status-rows';

export type StatusLoader = LoaderService;

export function buildStatusLoader(deps: {
  config: StatusLoaderConfig;
  logger: Logger;
  registry: Registry;
}): StatusLoader {
  return createLoaderService({
    ...deps,
    topics: (names) => names.statusTopicPattern,
    topicRefreshMs: deps.config.topicRefreshMs,
    tables: STATUS_TABLE_SPECS,
    rowsOf: statusRowsWith(deps.config.samples),
  });
}
