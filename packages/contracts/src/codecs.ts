// The codecs of the six record subjects, over every version kept in schemas/avro.

import { createRecordCodec, type RecordCodec } from './record-codec';
import { schemaVersionsOf } from './schema-catalog';
import { statusWireMapping } from './status-wire';
import type {
  DecisionBatch,
  DecisionEvent,
  ReleaseInfo,
  StatusReport,
  TelemetryReport,
  VersionCheck,
} from './types';

export const telemetryCodec: RecordCodec<TelemetryReport> = createRecordCodec({
  versions: schemaVersionsOf('telemetry-report'),
});

export const statusCodec: RecordCodec<StatusReport> = createRecordCodec({
  versions: schemaVersionsOf('status-report'),
  wireMapping: statusWireMapping,
});

/** The kept status schema versions, oldest first. */
export const STATUS_SCHEMA_VERSIONS: readonly number[] = schemaVersionsOf('status-report').map(
  (v) => v.version,
);

/**
 * A status codec that writes schema `version` and reads like statusCodec. For a rolling upgrade:
 * producers keep writing the old version until every consumer knows the new one (a consumer that does
 * not know a fingerprint dead-letters the record). Throws for a version that is not kept.
 */
export function statusCodecWriting(version: number): RecordCodec<StatusReport> {
  return createRecordCodec({
    versions: schemaVersionsOf('status-report'),
    wireMapping: statusWireMapping,
    writeVersion: version,
  });
}

export const releaseCodec: RecordCodec<ReleaseInfo> = createRecordCodec({
  versions: schemaVersionsOf('release-info'),
});

export const versionCheckCodec: RecordCodec<VersionCheck> = createRecordCodec({
  versions: schemaVersionsOf('version-check'),
});

export const decisionCodec: RecordCodec<DecisionEvent> = createRecordCodec({
  versions: schemaVersionsOf('decision-event'),
});

/** The records the gateway writes to the decisions topics (one per upload slice; see decision-batch.ts). */
export const decisionBatchCodec: RecordCodec<DecisionBatch> = createRecordCodec({
  versions: schemaVersionsOf('decision-batch'),
});
