import type { ClientPlatform, ReleaseInfo } from '@opa-fleet/contracts';
import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/support/fixtures';
import { downloadLink, latestReleaseReply } from '../src/index';

function client(os: string | null, arch: string | null): ClientPlatform {
  return {
    user_agent: os && arch ? `Open Policy Agent/v0.19.1 (${os}, ${arch})` : null,
    agent: 'Open Policy Agent',
    agent_version: 'v0.19.1',
    os,
    arch,
  };
}

function release(tag: string, overrides: Partial<ReleaseInfo> = {}): ReleaseInfo {
  return {
    channel: 'latest',
    tag,
    release_notes: `https://github.com/open-policy-agent/opa/releases/tag/${tag}`,
    download_base: 'https://openpolicyagent.org/downloads',
    published_at: null,
    source: 'github',
    updated_at: 1_700_000_000_000_000,
    ...overrides,
  };
}

describe('latestReleaseReply', () => {
  it('replies {} while no release is known', () => {
    expect(latestReleaseReply(null, client('darwin', 'amd64'), 'v0.19.1')).toEqual({});
  });

  it('matches the fixture OPA expects for a darwin/amd64 client, plus opa_up_to_date', () => {
    const expected = readFixture('telemetry-response.json') as { latest: Record<string, string> };
    const reply = latestReleaseReply(release('v0.19.2'), client('darwin', 'amd64'), 'v0.19.1');
    expect(reply).toEqual({ latest: { ...expected.latest, opa_up_to_date: false } });
    expect(Object.keys(reply.latest!)).toEqual([
      'download',
      'release_notes',
      'latest_release',
      'opa_up_to_date',
    ]);
  });

  it.each([
    ['darwin', 'amd64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_darwin_amd64'],
    ['darwin', 'arm64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_darwin_arm64_static'],
    ['linux', 'amd64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_linux_amd64'],
    ['linux', 'arm64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_linux_arm64_static'],
    ['windows', 'amd64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_windows_amd64.exe'],
    ['windows', 'arm64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_windows_arm64_static.exe'],
    ['Linux', 'AMD64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_linux_amd64'],
    [null, null, 'https://openpolicyagent.org/downloads/v0.19.2/opa_linux_amd64'],
    ['darwin', null, 'https://openpolicyagent.org/downloads/v0.19.2/opa_darwin_amd64'],
    [null, 'arm64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_linux_arm64_static'],
    ['../../etc', 'amd64', 'https://openpolicyagent.org/downloads/v0.19.2/opa_linux_amd64'],
  ])('links %s/%s to %s', (os, arch, expected) => {
    const reply = latestReleaseReply(release('v0.19.2'), client(os, arch), 'v0.19.2');
    expect(reply.latest?.download).toBe(expected);
  });

  it('uses the release download base, without doubling a trailing slash', () => {
    const link = downloadLink(
      release('v1.0.0', { download_base: 'https://mirror.example/opa/' }),
      client('linux', 'amd64'),
    );
    expect(link).toBe('https://mirror.example/opa/v1.0.0/opa_linux_amd64');
  });

  it.each([
    ['older', 'v0.19.1', false],
    ['older without v', '0.18.0', false],
    ['equal', 'v0.19.2', true],
    ['equal without v', '0.19.2', true],
    ['newer', 'v0.20.0', true],
    ['newer major', '1.0.0', true],
    ['a dev build of the release', '0.19.2-dev', false],
    ['an rc of the release', 'v0.19.2-rc1', false],
    ['a dev build of the next version', '0.20.0-dev', true],
    ['equal with build metadata', 'v0.19.2+abc', true],
    ['edge', 'edge', false],
    ['garbage', 'not-a-version', false],
    ['incomplete', '0.19', false],
    ['empty', '', false],
  ])('opa_up_to_date for %s (%s) against v0.19.2 is %s', (_name, reported, expected) => {
    const reply = latestReleaseReply(release('v0.19.2'), client('linux', 'amd64'), reported);
    expect(reply.latest?.opa_up_to_date).toBe(expected);
  });
});
