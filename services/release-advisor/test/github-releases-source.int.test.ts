// The GitHub releases source against a local fake of the API (the real one is an internet service).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdvisorError } from '../src/advisor-error';
import { createGithubReleasesSource } from '../src/github-releases-source';
import { type FakeReleasesApi, startFakeReleasesApi } from './fake-releases-api';

describe('GitHub releases source', () => {
  let api: FakeReleasesApi;

  beforeAll(async () => {
    api = await startFakeReleasesApi([
      { tag_name: 'v0.20.0', draft: true },
      { tag_name: 'v0.20.0-rc1', prerelease: true },
      { tag_name: 'v0.19.2', html_url: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.2' },
    ]);
  });
  afterAll(() => api.close());

  it('fetches the list, then sends If-None-Match and reports unchanged on 304, and fetches again after a change', async () => {
    const source = createGithubReleasesSource({
      url: api.url,
      timeoutMs: 2000,
      intervalMs: 1000,
      token: 's3cret',
    });
    const first = await source.load();
    expect(first).not.toBe('unchanged');
    expect((first as { tag_name: string }[]).map((r) => r.tag_name)).toEqual([
      'v0.20.0',
      'v0.20.0-rc1',
      'v0.19.2',
    ]);
    expect(api.requests.at(-1)?.headers['if-none-match']).toBeUndefined();
    expect(api.requests.at(-1)?.headers.authorization).toBe('Bearer s3cret');
    expect(api.requests.at(-1)?.path).toContain('per_page=100');

    expect(await source.load()).toBe('unchanged');
    expect(api.requests.at(-1)?.status).toBe(304);
    expect(api.requests.at(-1)?.headers['if-none-match']).toMatch(/^W\/"/);

    api.releases = [{ tag_name: 'v0.21.0' }, ...api.releases];
    const third = await source.load();
    expect((third as { tag_name: string }[])[0]?.tag_name).toBe('v0.21.0');
  });

  it.each([
    [500, 'SOURCE_HTTP', true],
    [429, 'SOURCE_HTTP', true],
    [404, 'SOURCE_HTTP', false],
  ])('turns HTTP %i into %s (retriable %s)', async (status, code, retriable) => {
    api.failures.push(status);
    const error = await createGithubReleasesSource({ url: api.url, timeoutMs: 2000, intervalMs: 1000 })
      .load()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdvisorError);
    expect(error).toMatchObject({ code, retriable });
  });

  it('reports an unreachable API as retriable SOURCE_UNREACHABLE', async () => {
    const closed = await startFakeReleasesApi([]);
    await closed.close();
    const error = await createGithubReleasesSource({ url: closed.url, timeoutMs: 2000, intervalMs: 1000 })
      .load()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'SOURCE_UNREACHABLE', retriable: true });
  });
});
