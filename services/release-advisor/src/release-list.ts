// Validation of a list of releases as GitHub's releases API spells them (also the releases file format).
import type { ReleaseCandidate } from '@opa-fleet/releases';
import { z } from 'zod';
import { AdvisorError } from './advisor-error';

const releaseSchema = z.object({
  tag_name: z.string().min(1).max(200),
  draft: z.boolean().optional(),
  prerelease: z.boolean().optional(),
  html_url: z.string().url().nullish(),
  published_at: z.string().nullish(),
});

/**
 * The releases in `body` (an array, or `{ "releases": [...] }` for hand-written files). Entries that are
 * not release objects are skipped, since one odd entry must not hide the others; a body that is not a
 * list at all is SOURCE_INVALID.
 */
export function parseReleaseList(body: unknown, origin: string): ReleaseCandidate[] {
  const list = Array.isArray(body)
    ? body
    : typeof body === 'object' && body !== null && Array.isArray((body as { releases?: unknown }).releases)
      ? (body as { releases: unknown[] }).releases
      : null;
  if (list === null) {
    throw new AdvisorError('SOURCE_INVALID', `${origin}: expected an array of releases`, {
      retriable: false,
    });
  }
  const releases: ReleaseCandidate[] = [];
  for (const entry of list) {
    const parsed = releaseSchema.safeParse(entry);
    if (parsed.success) releases.push(parsed.data);
  }
  return releases;
}
