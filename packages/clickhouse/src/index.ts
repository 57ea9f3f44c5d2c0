// Public surface of @opa-fleet/clickhouse: the client, migrations, analyst queries, the loaders' tables,
// TableBatch and BatchWriter, and the one error type.
export { bindQueryParams, DEFAULT_QUERIES_DIR, loadAnalystQueries } from './analyst-queries';
export {
  type BackfillOptions,
  type BackfillReport,
  type BackfillStep,
  backfillStatement,
  planBackfill,
  runBackfill,
} from './backfill';
export { BatchWriter, type BatchWriterOptions, type InsertObservation } from './batch-writer';
export {
  type ClickHouseErrorCode,
  ClickHouseStoreError,
  isRetriable,
  serverCodeOf,
} from './clickhouse-error';
export { type ClickHouseClient, type ClickHouseConfig, createClickHouseClient } from './client';
export { decisionRowsBinaryOf, TRANSCODED_DECISION_FIELDS } from './decision-row-binary';
export { renderStatements, type TemplateContext } from './migration-template';
export {
  addsOneColumn,
  DEFAULT_MIGRATIONS_DIR,
  dependsOnServerFeatures,
  lintMigration,
  loadMigrations,
  type Migration,
  type MigrationResult,
  runMigrations,
  templateContext,
} from './migrations';
export {
  applyRetention,
  dropPartitionStatements,
  expiredPartitions,
  parseRetentionPolicy,
  RETENTION_TABLES,
  type RetentionAction,
  type RetentionPolicy,
  ttlStatements,
} from './retention';
export { RowBinaryRows, RowBinaryWriter } from './row-binary';
export { encodeRow, type RowBinarySpec, type TableSpec } from './row-encoder';
export {
  featureList,
  LEGACY_FEATURES,
  parseServerVersion,
  type ServerFeature,
  type ServerFeatures,
  serverFeatures,
} from './server-features';
export { type InsertPayload, payloadBytes, TableBatch, type TableRows } from './table-batch';
export { createTableBatchSink, type RowsByTable, type TableBatchSink } from './table-batch-sink';
export {
  finishStatements,
  fullRebuildStatements,
  groupRebuilds,
  type RebuildPhase,
  rebuildNames,
  rebuildPhase,
  runRebuild,
  sortingKeyOf,
  swapStatements,
  type TableRebuild,
  ttlCarryOver,
  ttlClauseOf,
} from './table-rebuild';
export {
  DECISION_ROW_BINARY,
  DECISION_TABLE_SPECS,
  LOADER_TABLES,
  SAMPLE_ROW_BINARY,
  STATUS_TABLE_SPECS,
  TELEMETRY_TABLE_SPECS,
} from './tables';
