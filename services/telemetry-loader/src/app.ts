// Builds the telemetry-loader without starting it (tests drive it): `<prefix>telemetry`,
// `<prefix>version-checks` (and `<prefix>releases`) -> decode -> flatten -> one insert per table per
// batch -> commit. The wiring is @opa-fleet/loader's.
import { TELEMETRY_TABLE_SPECS } from '@opa-fleet/clickhouse';
import { createLoaderService, type LoaderService } from '@opa-fleet/loader';
import type { Logger, Registry } from '@opa-fleet/runtime';
import type { TelemetryLoaderConfig } from './config';
import { telemetryRowsOf } from './telemetry-rows';

export type TelemetryLoader = LoaderService;

export function buildTelemetryLoader(deps: {
  config: TelemetryLoaderConfig;
  logger: Logger;
  registry: Registry;
}): TelemetryLoader {
  return createLoaderService({
    ...deps,
    topics: (names) => {
      const reports = [names.telemetry, names.versionChecks];
      return deps.config.loadReleases ? [...reports, names.releases] : reports;
    },
    tables: TELEMETRY_TABLE_SPECS,
    rowsOf: (record, names) => telemetryRowsOf(record, names),
  });
}
