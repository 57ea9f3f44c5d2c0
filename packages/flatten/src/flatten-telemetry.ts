// TelemetryReport -> one version_reports row; VersionCheck -> one version_checks row; ReleaseInfo -> one
// releases row.
import type { ReleaseInfo, TelemetryReport, VersionCheck } from '@opa-fleet/contracts';
import type { ReleaseRow, VersionCheckRow, VersionReportRow } from './rows';
import { microsToSeconds } from './time';

export function flattenTelemetry(report: TelemetryReport): VersionReportRow {
  return {
    event_id: report.event_id,
    seq: 0,
    received_at: microsToSeconds(report.received_at),
    received_at_us: report.received_at,
    gateway_id: report.gateway_id,
    instance_id: report.id,
    version: report.version,
    heap_usage_bytes: report.heap_usage_bytes,
    user_agent: report.client.user_agent,
    agent: report.client.agent,
    agent_version: report.client.agent_version,
    os: report.client.os,
    arch: report.client.arch,
    extra_json: report.extra_json,
  };
}

export function flattenVersionCheck(check: VersionCheck): VersionCheckRow {
  return {
    event_id: check.event_id,
    received_at: microsToSeconds(check.received_at),
    received_at_us: check.received_at,
    gateway_id: check.gateway_id,
    repository: check.repository,
    endpoint: check.endpoint,
    user_agent: check.user_agent,
    answered_tag: check.answered_tag,
    not_modified: check.not_modified ? 1 : 0,
  };
}

export function flattenRelease(release: ReleaseInfo): ReleaseRow {
  return {
    channel: release.channel,
    tag: release.tag,
    release_notes: release.release_notes,
    download_base: release.download_base,
    published_at: release.published_at === null ? null : microsToSeconds(release.published_at),
    source: release.source,
    updated_at: microsToSeconds(release.updated_at),
    updated_at_us: release.updated_at,
  };
}
