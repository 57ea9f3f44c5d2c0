// Semver rules for OPA versions: optional `v` prefix, prereleases (`-dev`, `-rc1`) sort before their
// release, and anything that is not semver (`edge`, garbage) is never "up to date".
import semver, { type SemVer } from 'semver';
import { ReleaseError } from './release-error';

/** Parses `v0.19.2`, `0.19.2`, `0.20.0-dev`; null for `edge`, `0.19`, garbage. */
export function parseReleaseVersion(version: string | null | undefined): SemVer | null {
  if (typeof version !== 'string') return null;
  return semver.parse(version.trim().replace(/^[vV](?=\d)/, ''));
}

/**
 * Whether an instance reporting `reported` runs `latestTag` or something newer. Same rule as OPA's own
 * GitHub check (`current.Compare(latest) >= 0`): `0.19.2-dev` < `0.19.2`, but `0.20.0-dev` (a build of
 * the next version) counts as up to date. `edge` and unparseable versions say false: we cannot tell
 * which release such a build contains, and "false" only makes OPA suggest the download.
 */
export function isUpToDate(reported: string | null | undefined, latestTag: string): boolean {
  const current = parseReleaseVersion(reported);
  const latest = parseReleaseVersion(latestTag);
  if (current === null || latest === null) return false;
  return semver.compare(current, latest) >= 0;
}

/** A release tag in the form OPA publishes (`v` + semver, no prerelease); throws INVALID_TAG otherwise. */
export function normalizeReleaseTag(tag: string): string {
  const parsed = parseReleaseVersion(tag);
  if (parsed === null)
    throw new ReleaseError('INVALID_TAG', `release tag ${JSON.stringify(tag)} is not semver`);
  if (parsed.prerelease.length > 0) {
    throw new ReleaseError('INVALID_TAG', `release tag ${JSON.stringify(tag)} is a prerelease`);
  }
  return `v${tag.trim().replace(/^[vV]/, '')}`;
}
