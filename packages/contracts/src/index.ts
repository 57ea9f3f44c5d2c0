// Public surface of @opa-fleet/contracts: record types, normalization of OPA's JSON, the Avro codec.

export { writeAscii } from './ascii-bytes';
export {
  decisionBatchCodec,
  decisionCodec,
  releaseCodec,
  STATUS_SCHEMA_VERSIONS,
  statusCodec,
  statusCodecWriting,
  telemetryCodec,
  versionCheckCodec,
} from './codecs';
export { ContractError, type ContractErrorCode } from './contract-error';
export {
  DECISION_BATCH_FIELDS,
  DECISION_BATCH_FINGERPRINT,
  DEFAULT_DECISION_RECORD_BYTES,
  decisionEventsOf,
  type EncodedDecisionBatch,
  type EncodedDecisionChunk,
  encodeDecisionBatches,
  encodeDecisionChunk,
} from './decision-batch';
export { DOUBLE_TEXT_PATTERN } from './json-value';
export { DEFAULT_LIMITS, type Limits, resolveLimits, VALUE_RANGES } from './limits';
export type { NormalizeContext } from './normalize-context';
export {
  type DecisionChunk,
  type DecisionNormalizeOptions,
  DROPPABLE_DECISION_FIELDS,
  type DroppableDecisionField,
  normalizeDecisionChunk,
  type RejectedDecisionEvent,
} from './normalize-decision';
export { normalizeStatus } from './normalize-status';
export { normalizeTelemetry } from './normalize-telemetry';
export { GO_ZERO_SECONDS, MAX_CREATED_SECONDS } from './prometheus-families';
export {
  createRecordCodec,
  type RecordCodec,
  type RecordCodecOptions,
  type VersionedSchema,
  type WireMapping,
} from './record-codec';
export { loadSchemaVersions, SCHEMAS_DIR, type SchemaVersion } from './schema-catalog';
export {
  type CompatibilityProblem,
  checkEmbeddedRecords,
  checkSchemaCompatibility,
  type EmbeddingProblem,
} from './schema-compatibility';
export { canonicalUserAgent, knownHelpTexts, statusWireMapping } from './status-wire';
export { TIMESTAMP_PATTERN } from './timestamp';
export * from './types';
export { parseUserAgent } from './user-agent';
