// From a catalog entry to the ReleaseInfo record on the releases topic, and when to publish it.
import type { ReleaseInfo } from '@opa-fleet/contracts';
import semver from 'semver';
import type { ReleaseCandidate } from './pick-latest-release';
import { ReleaseError } from './release-error';
import { normalizeReleaseTag, parseReleaseVersion } from './release-version';

export const DEFAULT_CHANNEL = 'latest';
export const DEFAULT_DOWNLOAD_BASE = 'https://openpolicyagent.org/downloads';
export const DEFAULT_RELEASE_NOTES_BASE = 'https://github.com/open-policy-agent/opa/releases/tag';

export interface ReleaseInfoOptions {
  channel?: string;
  downloadBase?: string;
  source: string;
  /** Epoch micros for `updated_at`. */
  now: number;
}

function epochMicros(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms * 1000 : null;
}

/** Builds the topic record; release notes default to the GitHub tag page. Throws INVALID_TAG. */
export function releaseInfoFrom(candidate: ReleaseCandidate, options: ReleaseInfoOptions): ReleaseInfo {
  const tag = normalizeReleaseTag(candidate.tag_name);
  const channel = options.channel ?? DEFAULT_CHANNEL;
  if (channel.length === 0) throw new ReleaseError('INVALID_RELEASE', 'channel must not be empty');
  return {
    channel,
    tag,
    release_notes: candidate.html_url || `${DEFAULT_RELEASE_NOTES_BASE}/${tag}`,
    download_base: (options.downloadBase ?? DEFAULT_DOWNLOAD_BASE).replace(/\/+$/, ''),
    published_at: epochMicros(candidate.published_at),
    source: options.source,
    updated_at: options.now,
  };
}

export type PublicationReason = 'first' | 'newer' | 'updated' | 'unchanged' | 'older';

export interface PublicationDecision {
  publish: boolean;
  reason: PublicationReason;
}

/**
 * Whether `next` should replace `current` on the topic. The latest release only moves forward: an older
 * tag is never published over a newer one (a release published by hand ahead of GitHub stays until
 * GitHub catches up; the CLI's --force is the way back). The same tag is republished only when what
 * clients see changes (notes or download base), so restarts and unchanged polls publish nothing.
 */
export function decidePublication(current: ReleaseInfo | null, next: ReleaseInfo): PublicationDecision {
  if (current === null) return { publish: true, reason: 'first' };
  const currentVersion = parseReleaseVersion(current.tag);
  const nextVersion = parseReleaseVersion(next.tag);
  if (currentVersion === null || nextVersion === null) {
    // A record we cannot order (should not happen: tags are validated) is replaced.
    return current.tag === next.tag && sameContent(current, next)
      ? { publish: false, reason: 'unchanged' }
      : { publish: true, reason: 'updated' };
  }
  const order = semver.compare(nextVersion, currentVersion);
  if (order > 0) return { publish: true, reason: 'newer' };
  if (order < 0) return { publish: false, reason: 'older' };
  return sameContent(current, next)
    ? { publish: false, reason: 'unchanged' }
    : { publish: true, reason: 'updated' };
}

function sameContent(a: ReleaseInfo, b: ReleaseInfo): boolean {
  return a.tag === b.tag && a.release_notes === b.release_notes && a.download_base === b.download_base;
}
