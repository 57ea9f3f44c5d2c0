// The reply to a version report, exactly what OPA reads: {"latest": {download, release_notes,
// latest_release, opa_up_to_date}}, or {} while no release is known.
import type { ClientPlatform, ReleaseInfo } from '@opa-fleet/contracts';
import { isUpToDate } from './release-version';

export interface LatestReleaseDetails {
  download: string;
  release_notes: string;
  latest_release: string;
  opa_up_to_date: boolean;
}

export interface LatestReleaseReply {
  latest?: LatestReleaseDetails;
}

/**
 * Used when the User-Agent names no (plausible) platform. OPA always sends its GOOS/GOARCH, so this only
 * hits odd clients; linux/amd64 is by far the most common OPA deployment (containers).
 */
export const FALLBACK_PLATFORM = { os: 'linux', arch: 'amd64' } as const;

const PLATFORM_TOKEN = /^[a-z0-9_]{1,32}$/;

function platformToken(value: string | null, fallback: string): string {
  const token = value?.trim().toLowerCase() ?? '';
  return PLATFORM_TOKEN.test(token) ? token : fallback;
}

/**
 * `${download_base}/${tag}/opa_${os}_${arch}`, `_static` for arm64, `.exe` for Windows: the same rule
 * OPA applies in its own GitHub version check (`strings.HasPrefix(GOOS, "win")`).
 */
export function downloadLink(
  release: Pick<ReleaseInfo, 'download_base' | 'tag'>,
  client: Pick<ClientPlatform, 'os' | 'arch'>,
): string {
  const os = platformToken(client.os, FALLBACK_PLATFORM.os);
  const arch = platformToken(client.arch, FALLBACK_PLATFORM.arch);
  const base = release.download_base.replace(/\/+$/, '');
  let link = `${base}/${release.tag}/opa_${os}_${arch}`;
  if (arch === 'arm64') link += '_static';
  if (os.startsWith('win')) link += '.exe';
  return link;
}

export function latestReleaseReply(
  release: ReleaseInfo | null,
  client: ClientPlatform,
  reportedVersion: string,
): LatestReleaseReply {
  if (release === null) return {};
  return {
    latest: {
      download: downloadLink(release, client),
      release_notes: release.release_notes,
      latest_release: release.tag,
      opa_up_to_date: isUpToDate(reportedVersion, release.tag),
    },
  };
}
