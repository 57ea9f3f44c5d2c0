import type { ReleaseInfo } from '@opa-fleet/contracts';
import { describe, expect, it } from 'vitest';
import {
  decidePublication,
  normalizeReleaseTag,
  ReleaseError,
  type ReleaseInfoOptions,
  releaseInfoFrom,
} from '../src/index';

const now = 1_700_000_000_000_000;

function info(tag: string, overrides: Partial<ReleaseInfoOptions> = {}): ReleaseInfo {
  return releaseInfoFrom({ tag_name: tag }, { source: 'github', now, ...overrides });
}

describe('releaseInfoFrom', () => {
  it('builds the topic record with defaults for channel, notes and download base', () => {
    expect(
      releaseInfoFrom({ tag_name: '0.19.2', published_at: '2020-03-10T12:00:00Z' }, { source: 'file', now }),
    ).toEqual({
      channel: 'latest',
      tag: 'v0.19.2',
      release_notes: 'https://github.com/open-policy-agent/opa/releases/tag/v0.19.2',
      download_base: 'https://openpolicyagent.org/downloads',
      published_at: Date.parse('2020-03-10T12:00:00Z') * 1000,
      source: 'file',
      updated_at: now,
    });
  });

  it('keeps the html_url as release notes and strips a trailing slash of the download base', () => {
    const record = releaseInfoFrom(
      { tag_name: 'v1.0.0', html_url: 'https://notes.example/1.0.0', published_at: 'garbage' },
      { source: 'cli', now, channel: 'stable', downloadBase: 'https://mirror.example/' },
    );
    expect(record).toMatchObject({
      channel: 'stable',
      release_notes: 'https://notes.example/1.0.0',
      download_base: 'https://mirror.example',
      published_at: null,
    });
  });

  it.each(['edge', 'v1.0.0-rc1', '1.0', ''])('rejects tag %j with INVALID_TAG', (tag) => {
    expect(() => normalizeReleaseTag(tag)).toThrow(ReleaseError);
    try {
      normalizeReleaseTag(tag);
    } catch (error) {
      expect((error as ReleaseError).code).toBe('INVALID_TAG');
    }
  });
});

describe('decidePublication', () => {
  it.each([
    ['nothing on the topic', null, info('v0.19.2'), true, 'first'],
    ['a newer tag', info('v0.19.2'), info('v0.20.0'), true, 'newer'],
    [
      'the same release polled again',
      info('v0.19.2'),
      info('v0.19.2', { source: 'file', now: now + 1 }),
      false,
      'unchanged',
    ],
    ['an older tag', info('v0.20.0'), info('v0.19.2'), false, 'older'],
    [
      'the same tag with other release notes',
      info('v0.19.2'),
      releaseInfoFrom({ tag_name: 'v0.19.2', html_url: 'https://other' }, { source: 'github', now }),
      true,
      'updated',
    ],
  ] as const)('for %s: publish=%s', (_name, current, next, publish, reason) => {
    expect(decidePublication(current, next)).toEqual({ publish, reason });
  });
});
