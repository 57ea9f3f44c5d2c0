import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../src/github-releases-source';

describe('retryAfterMs', () => {
  it.each([
    [{ 'retry-after': '30' }, 30_000],
    [{ 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1100' }, 100_000],
    [{ 'x-ratelimit-remaining': '5', 'x-ratelimit-reset': '1100' }, null],
    [{}, null],
  ])('reads %j as %s ms', (headers, expected) => {
    expect(retryAfterMs(new Headers(headers), 1_000_000)).toBe(expected);
  });
});
