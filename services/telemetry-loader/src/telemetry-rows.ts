// The per-record pipeline of the telemetry-loader: decode -> flatten, by topic. Version reports
// become `version_reports` rows, GitHub-style version checks `version_checks` rows, release records
// (compacted releases topic) `releases` rows. A failure dead-letters the record.
import { releaseCodec, telemetryCodec, versionCheckCodec } from '@opa-fleet/contracts';
import {
  flattenRelease,
  flattenTelemetry,
  flattenVersionCheck,
  type ReleaseRow,
  type VersionCheckRow,
  type VersionReportRow,
} from '@opa-fleet/flatten';
import type { ConsumedRecord, TopicNames } from '@opa-fleet/kafka';

export interface TelemetryRows {
  version_reports: VersionReportRow[];
  version_checks: VersionCheckRow[];
  releases: ReleaseRow[];
}

const none = (): TelemetryRows => ({ version_reports: [], version_checks: [], releases: [] });

export function telemetryRowsOf(
  record: ConsumedRecord,
  names: Pick<TopicNames, 'releases' | 'versionChecks'>,
): TelemetryRows {
  const rows = none();
  const value = record.value ?? Buffer.alloc(0);
  if (record.topic === names.releases) {
    // A tombstone (null value) on the compacted topic deletes a channel; there is nothing to load.
    if (record.value !== null) rows.releases.push(flattenRelease(releaseCodec.decode(value)));
  } else if (record.topic === names.versionChecks) {
    rows.version_checks.push(flattenVersionCheck(versionCheckCodec.decode(value)));
  } else {
    rows.version_reports.push(flattenTelemetry(telemetryCodec.decode(value)));
  }
  return rows;
}
