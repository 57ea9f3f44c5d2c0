import type { ReleaseInfo } from '@opa-fleet/contracts';
import { describe, expect, it } from 'vitest';
import { entityTag, githubReleaseOf, matchesIfNoneMatch } from '../src/index';

const release: ReleaseInfo = {
  channel: 'latest',
  tag: 'v1.23.0',
  release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v1.23.0',
  download_base: 'https://openpolicyagent.org/downloads',
  published_at: Date.parse('2026-11-20T10:11:12.345Z') * 1000,
  source: 'file',
  updated_at: 1_700_000_000_000_000,
};
const repository = { owner: 'open-policy-agent', repo: 'opa', apiBase: 'http://gw.example:8080' };

describe('githubReleaseOf', () => {
  it('gives what OPA reads: tag_name and html_url (the release notes)', () => {
    const gh = githubReleaseOf(release, repository);
    expect(gh.tag_name).toBe('v1.23.0');
    expect(gh.html_url).toBe(release.release_notes);
    expect(gh).toMatchObject({ name: 'v1.23.0', draft: false, prerelease: false });
  });

  it('names the assets as OPA publishes them, for every platform', () => {
    const names = githubReleaseOf(release, repository).assets.map((a) => a.browser_download_url);
    expect(names).toEqual([
      'https://openpolicyagent.org/downloads/v1.23.0/opa_darwin_amd64',
      'https://openpolicyagent.org/downloads/v1.23.0/opa_darwin_arm64_static',
      'https://openpolicyagent.org/downloads/v1.23.0/opa_linux_amd64',
      'https://openpolicyagent.org/downloads/v1.23.0/opa_linux_arm64_static',
      'https://openpolicyagent.org/downloads/v1.23.0/opa_windows_amd64.exe',
    ]);
    expect(githubReleaseOf(release, repository).assets.map((a) => a.name)).toContain('opa_windows_amd64.exe');
  });

  it('links its API URLs under the served base and repository', () => {
    const gh = githubReleaseOf(release, repository);
    expect(gh.url).toBe(`http://gw.example:8080/repos/open-policy-agent/opa/releases/${gh.id}`);
    expect(gh.assets_url).toBe(`${gh.url}/assets`);
  });

  it('gives GitHub-style timestamps in whole seconds, null when unknown', () => {
    expect(githubReleaseOf(release, repository).published_at).toBe('2026-11-20T10:11:12Z');
    expect(githubReleaseOf({ ...release, published_at: null }, repository).published_at).toBeNull();
  });

  it('gives every gateway the same ids (integers within the safe range)', () => {
    const a = githubReleaseOf(release, repository);
    const b = githubReleaseOf(release, { ...repository, apiBase: 'http://other:1' });
    expect(a.id).toBe(b.id);
    expect(Number.isSafeInteger(a.id) && a.id > 0).toBe(true);
    expect(githubReleaseOf({ ...release, tag: 'v1.24.0' }, repository).id).not.toBe(a.id);
  });
});

describe('entity tags', () => {
  const tag = entityTag('{"tag_name":"v1.23.0"}');

  it('are strong, quoted and depend only on the body', () => {
    expect(tag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(entityTag('{"tag_name":"v1.23.0"}')).toBe(tag);
    expect(entityTag('{"tag_name":"v1.24.0"}')).not.toBe(tag);
  });

  it('match If-None-Match by weak comparison, in a list, or *', () => {
    expect(matchesIfNoneMatch(tag, tag)).toBe(true);
    expect(matchesIfNoneMatch(`W/${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch(`"other", ${tag}`, tag)).toBe(true);
    expect(matchesIfNoneMatch('*', tag)).toBe(true);
    expect(matchesIfNoneMatch('"other"', tag)).toBe(false);
    expect(matchesIfNoneMatch(undefined, tag)).toBe(false);
  });
});
