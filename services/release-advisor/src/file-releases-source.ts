// A JSON file as a release source (for air-gapped fleets or a pinned catalog): an array of releases in
// GitHub's spelling, or `{ "releases": [...] }`. Re-read when its modification time or size changes.
import { readFile, stat } from 'node:fs/promises';
import type { ReleaseCandidate } from '@opa-fleet/releases';
import { AdvisorError } from './advisor-error';
import { parseReleaseList } from './release-list';
import type { ReleaseSource } from './release-source';

export function createFileReleasesSource(path: string, intervalMs: number): ReleaseSource {
  let seen: string | null = null;
  return {
    name: 'file',
    intervalMs,
    async load(): Promise<ReleaseCandidate[] | 'unchanged'> {
      let text: string;
      let version: string;
      try {
        const info = await stat(path);
        version = `${info.mtimeMs}:${info.size}`;
        if (version === seen) return 'unchanged';
        text = await readFile(path, 'utf8');
      } catch (cause) {
        throw new AdvisorError('FILE_UNREADABLE', `releases file ${path} unreadable`, {
          retriable: true,
          cause,
        });
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (cause) {
        // Retriable: the operator may be halfway through editing it.
        throw new AdvisorError('SOURCE_INVALID', `releases file ${path} is not JSON`, {
          retriable: true,
          cause,
        });
      }
      const releases = parseReleaseList(body, `releases file ${path}`);
      seen = version;
      return releases;
    },
  };
}
