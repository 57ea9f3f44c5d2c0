// A GitHub-releases-compatible HTTP API as a release source: conditional requests with the ETag, so an
// unchanged catalog costs a 304 (which GitHub does not count against the rate limit when authenticated).
import type { ReleaseCandidate } from '@opa-fleet/releases';
import { AdvisorError } from './advisor-error';
import { parseReleaseList } from './release-list';
import type { ReleaseSource } from './release-source';

export interface GithubReleasesSourceOptions {
  url: string;
  token?: string;
  timeoutMs: number;
  intervalMs: number;
  userAgent?: string;
}

/**
 * GitHub lists releases newest first; the first page of 100 covers years of OPA releases, so only that
 * page is read (a `per_page` already in the URL is kept).
 */
export function createGithubReleasesSource(options: GithubReleasesSourceOptions): ReleaseSource {
  const url = new URL(options.url);
  if (!url.searchParams.has('per_page')) url.searchParams.set('per_page', '100');
  let etag: string | null = null;

  return {
    name: 'github',
    intervalMs: options.intervalMs,
    async load(): Promise<ReleaseCandidate[] | 'unchanged'> {
      const headers: Record<string, string> = {
        accept: 'application/vnd.github+json',
        'user-agent': options.userAgent ?? 'opa-fleet-release-advisor',
        'x-github-api-version': '2022-11-28',
      };
      if (etag) headers['if-none-match'] = etag;
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let response: Response;
      try {
        response = await fetch(url, { headers, signal: AbortSignal.timeout(options.timeoutMs) });
      } catch (cause) {
        throw new AdvisorError('SOURCE_UNREACHABLE', `releases API ${url.origin} unreachable`, {
          retriable: true,
          cause,
        });
      }
      if (response.status === 304) {
        await response.body?.cancel();
        return 'unchanged';
      }
      if (!response.ok) {
        await response.body?.cancel();
        // GitHub answers 403 or 429 when the rate limit is used up.
        const retriable = response.status === 429 || response.status === 403 || response.status >= 500;
        throw new AdvisorError('SOURCE_HTTP', `releases API answered ${response.status}`, {
          retriable,
          retryAfterMs: retryAfterMs(response.headers) ?? undefined,
        });
      }
      let body: unknown;
      try {
        body = await response.json();
      } catch (cause) {
        throw new AdvisorError('SOURCE_INVALID', 'releases API sent invalid JSON', {
          retriable: true,
          cause,
        });
      }
      const releases = parseReleaseList(body, 'releases API');
      // Only remember the ETag of a body we could use, so a bad answer is fetched again in full.
      etag = response.headers.get('etag');
      return releases;
    },
  };
}

/** `Retry-After` (seconds), else GitHub's `x-ratelimit-reset` (epoch seconds) when the limit is used up. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const retryAfter = Number(headers.get('retry-after'));
  if (headers.has('retry-after') && Number.isFinite(retryAfter) && retryAfter >= 0) return retryAfter * 1000;
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (headers.get('x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) {
    return Math.max(0, reset * 1000 - now);
  }
  return null;
}
