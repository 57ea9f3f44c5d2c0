// The latest release in the shape of GitHub's REST API (`GET /repos/{owner}/{repo}/releases/latest`),
// which OPA 1.7 and later ask instead of posting a version report. OPA reads `tag_name` and `html_url`
// and builds the download link itself; other GitHub clients (scripts, Renovate-style bots) read the rest,
// so the fields GitHub always sends are present with the values a mirror can honestly give.
import { createHash } from 'node:crypto';
import type { ReleaseInfo } from '@opa-fleet/contracts';
import { downloadLink } from './latest-release-reply';

/** The platforms OPA publishes binaries for; the asset names follow from downloadLink's rule. */
export const OPA_PLATFORMS: readonly { os: string; arch: string }[] = [
  { os: 'darwin', arch: 'amd64' },
  { os: 'darwin', arch: 'arm64' },
  { os: 'linux', arch: 'amd64' },
  { os: 'linux', arch: 'arm64' },
  { os: 'windows', arch: 'amd64' },
];

export interface GitHubReleaseAsset {
  url: string;
  id: number;
  name: string;
  label: string | null;
  content_type: string;
  state: 'uploaded';
  size: number;
  download_count: number;
  created_at: string | null;
  updated_at: string | null;
  browser_download_url: string;
}

export interface GitHubRelease {
  url: string;
  html_url: string;
  assets_url: string;
  upload_url: string;
  tarball_url: string;
  zipball_url: string;
  id: number;
  tag_name: string;
  target_commitish: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  created_at: string | null;
  published_at: string | null;
  assets: GitHubReleaseAsset[];
}

/** `owner/repo` as served, and the API's base URL as the client sees it (no trailing slash). */
export interface GitHubRepository {
  owner: string;
  repo: string;
  apiBase: string;
}

/**
 * A stable positive id from a string (GitHub ids are integers): 48 bits of SHA-1, within
 * Number.MAX_SAFE_INTEGER, the same on every gateway, so every instance gives one answer.
 */
function stableId(value: string): number {
  return Number.parseInt(createHash('sha1').update(value).digest('hex').slice(0, 12), 16);
}

function isoSeconds(micros: number | null): string | null {
  // GitHub's timestamps are RFC 3339 in whole seconds: 2025-06-01T12:00:00Z.
  return micros === null ? null : `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19)}Z`;
}

export function githubReleaseOf(release: ReleaseInfo, repository: GitHubRepository): GitHubRelease {
  const releasesUrl = `${repository.apiBase}/repos/${repository.owner}/${repository.repo}/releases`;
  const id = stableId(`${repository.owner}/${repository.repo}@${release.tag}`);
  const published = isoSeconds(release.published_at);
  const source = `https://github.com/${repository.owner}/${repository.repo}`;
  return {
    url: `${releasesUrl}/${id}`,
    html_url: release.release_notes,
    assets_url: `${releasesUrl}/${id}/assets`,
    upload_url: `${releasesUrl}/${id}/assets{?name,label}`,
    tarball_url: `${source}/archive/refs/tags/${release.tag}.tar.gz`,
    zipball_url: `${source}/archive/refs/tags/${release.tag}.zip`,
    id,
    tag_name: release.tag,
    target_commitish: 'main',
    name: release.tag,
    body: `Release notes: ${release.release_notes}`,
    draft: false,
    // The catalog holds releases only (normalizeReleaseTag refuses prereleases).
    prerelease: false,
    created_at: published,
    published_at: published,
    assets: OPA_PLATFORMS.map((platform) => {
      const link = downloadLink(release, platform);
      const name = link.slice(link.lastIndexOf('/') + 1);
      const assetId = stableId(`${id}/${name}`);
      return {
        url: `${releasesUrl}/assets/${assetId}`,
        id: assetId,
        name,
        label: null,
        content_type: 'application/octet-stream',
        state: 'uploaded',
        // Unknown to a mirror that never downloads the binaries; GitHub's field is an integer.
        size: 0,
        download_count: 0,
        created_at: published,
        updated_at: published,
        browser_download_url: link,
      };
    }),
  };
}

/** GitHub's answer for an unknown repository or route: `404 {"message": "Not Found", ...}`. */
export const GITHUB_NOT_FOUND = {
  message: 'Not Found',
  documentation_url: 'https://docs.github.com/rest',
  status: '404',
} as const;

/** A strong entity tag of a serialized reply: the same body gives the same tag on every gateway. */
export function entityTag(body: string): string {
  return `"${createHash('sha1').update(body).digest('hex').slice(0, 32)}"`;
}

/**
 * RFC 9110 If-None-Match with the weak comparison GET uses: `*`, or any listed tag equal to ours once a
 * `W/` prefix is ignored.
 */
export function matchesIfNoneMatch(header: string | undefined, tag: string): boolean {
  if (header === undefined) return false;
  const ours = tag.replace(/^W\//, '');
  return header.split(',').some((item) => {
    const candidate = item.trim();
    return candidate === '*' || candidate.replace(/^W\//, '') === ours;
  });
}
