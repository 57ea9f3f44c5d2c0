// Builds the decision-loader without starting it (tests drive it): every decisions topic
// (`<prefix>decisions` and `<prefix>decisions.<partition>`, new ones found while running) -> decode ->
// flatten -> one insert per batch -> commit. The chain is @opa-fleet/loader's (see loader-service.ts).
import { DECISION_TABLE_SPECS } from '@opa-fleet/clickhouse';
import { createLoaderService, type LoaderService } from '@opa-fleet/loader';
import type { Logger, Registry } from '@opa-fleet/runtime';
import type { DecisionLoaderConfig } from './config';
import { decisionRowsOf } from './decision-rows';

export type DecisionLoader = LoaderService;

export function buildDecisionLoader(deps: {
  config: DecisionLoaderConfig;
  logger: Logger;
  registry: Registry;
}): DecisionLoader {
  return createLoaderService({
    ...deps,
    topics: (names) => names.decisionTopicPattern,
    topicRefreshMs: deps.config.topicRefreshMs,
    tables: DECISION_TABLE_SPECS,
    rowsOf: decisionRowsOf,
    // A record is a whole upload (about 300 KB for OPA's 32 KB chunks): kafkajs' default of 1 MiB per
    // partition and fetch reads three of them per round trip, which paced a loader catching up.
    consumerConfig: { maxBytesPerPartition: 8 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 },
  });
}
