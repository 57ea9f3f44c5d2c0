// The per-record pipeline of the telemetry-loader: decode -> flatten, by topic. Version reports
// become `version_reports` rows; release records (compacted releases topic) become `releases` rows.
// A failure dead-letters the record.
import { releaseCodec, telemetryCodec } from '@opa-fleet/contracts';
import { flattenRelease, flattenTelemetry, type ReleaseRow, type VersionReportRow } from '@opa-fleet/flatten';
import type { ConsumedRecord } from '@opa-fleet/kafka';

export interface TelemetryRows {
  version_reports: VersionReportRow[];
  releases: ReleaseRow[];
}

export function telemetryRowsOf(record: ConsumedRecord, releasesTopic: string): TelemetryRows {
  if (record.topic === releasesTopic) {
    // A tombstone (null value) on the compacted topic deletes a channel; there is nothing to load.
    if (record.value === null) return { version_reports: [], releases: [] };
    return { version_reports: [], releases: [flattenRelease(releaseCodec.decode(record.value))] };
  }
  const report = telemetryCodec.decode(record.value ?? Buffer.alloc(0));
  return { version_reports: [flattenTelemetry(report)], releases: [] };
}
