// Choosing the latest release from a catalog shaped like GitHub's releases API.
import semver from 'semver';
import { parseReleaseVersion } from './release-version';

/** The fields of a GitHub release object the catalog uses; extra fields are ignored. */
export interface ReleaseCandidate {
  tag_name: string;
  draft?: boolean;
  prerelease?: boolean;
  html_url?: string | null;
  published_at?: string | null;
}

/**
 * The candidate with the highest semver tag, ignoring drafts, releases flagged as prerelease, tags with a
 * prerelease part (`v1.0.0-rc1` even when not flagged) and tags that are not semver. Null when none is left.
 */
export function pickLatestRelease<T extends ReleaseCandidate>(candidates: readonly T[]): T | null {
  let best: T | null = null;
  let bestVersion: semver.SemVer | null = null;
  for (const candidate of candidates) {
    if (candidate.draft === true || candidate.prerelease === true) continue;
    const version = parseReleaseVersion(candidate.tag_name);
    if (version === null || version.prerelease.length > 0) continue;
    if (bestVersion === null || semver.compare(version, bestVersion) > 0) {
      best = candidate;
      bestVersion = version;
    }
  }
  return best;
}
