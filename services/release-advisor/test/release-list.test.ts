import { describe, expect, it } from 'vitest';
import { AdvisorError } from '../src/advisor-error';
import { parseReleaseList } from '../src/release-list';

describe('parseReleaseList', () => {
  it('keeps the fields the advisor uses from GitHub release objects and skips entries that are not releases', () => {
    const list = parseReleaseList(
      [
        {
          tag_name: 'v0.19.2',
          draft: false,
          prerelease: false,
          html_url: 'https://x.example/v0.19.2',
          assets: [],
        },
        { tag_name: 'v0.20.0', draft: true },
        { name: 'no tag' },
        'garbage',
        { tag_name: 42 },
      ],
      'test',
    );
    expect(list).toEqual([
      { tag_name: 'v0.19.2', draft: false, prerelease: false, html_url: 'https://x.example/v0.19.2' },
      { tag_name: 'v0.20.0', draft: true },
    ]);
  });

  it('accepts the { releases: [...] } file form', () => {
    expect(parseReleaseList({ releases: [{ tag_name: 'v1.0.0' }] }, 'test')).toEqual([
      { tag_name: 'v1.0.0' },
    ]);
  });

  it.each([[{ message: 'Bad credentials' }], [null], ['v1.0.0']])(
    'rejects %j with SOURCE_INVALID',
    (body) => {
      expect(() => parseReleaseList(body, 'test')).toThrow(AdvisorError);
      try {
        parseReleaseList(body, 'test');
      } catch (err) {
        expect((err as AdvisorError).code).toBe('SOURCE_INVALID');
      }
    },
  );
});
