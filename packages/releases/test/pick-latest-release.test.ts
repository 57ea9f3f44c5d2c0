import { describe, expect, it } from 'vitest';
import { pickLatestRelease } from '../src/index';

describe('pickLatestRelease', () => {
  it('picks the highest semver tag, not the first or the newest by date', () => {
    const picked = pickLatestRelease([
      { tag_name: 'v0.9.0', published_at: '2024-05-01T00:00:00Z' },
      { tag_name: 'v0.19.2', published_at: '2020-01-01T00:00:00Z' },
      { tag_name: 'v0.10.1', published_at: '2024-06-01T00:00:00Z' },
    ]);
    expect(picked?.tag_name).toBe('v0.19.2');
  });

  it('ignores drafts and prereleases, flagged or by tag', () => {
    const picked = pickLatestRelease([
      { tag_name: 'v0.70.0', draft: true },
      { tag_name: 'v0.69.0', prerelease: true },
      { tag_name: 'v0.68.0-rc1' },
      { tag_name: 'edge' },
      { tag_name: 'v0.67.1' },
      { tag_name: 'v0.67.0' },
    ]);
    expect(picked?.tag_name).toBe('v0.67.1');
  });

  it('accepts tags without v', () => {
    expect(pickLatestRelease([{ tag_name: '1.2.3' }, { tag_name: 'v1.2.2' }])?.tag_name).toBe('1.2.3');
  });

  it('returns null when nothing qualifies', () => {
    expect(pickLatestRelease([])).toBeNull();
    expect(pickLatestRelease([{ tag_name: 'v1.0.0', draft: true }, { tag_name: 'nightly' }])).toBeNull();
  });

  it('keeps the caller type', () => {
    const picked = pickLatestRelease([{ tag_name: 'v1.0.0', extra: 42 }]);
    expect(picked?.extra).toBe(42);
  });
});
