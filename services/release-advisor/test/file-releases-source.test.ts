import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AdvisorError } from '../src/advisor-error';
import { createFileReleasesSource } from '../src/file-releases-source';

describe('file releases source', () => {
  const dir = mkdtempSync(join(tmpdir(), 'releases-file-'));
  afterEach(() => rmSync(join(dir, 'releases.json'), { force: true }));

  it('reads the file, says unchanged until it changes, then reads it again', async () => {
    const path = join(dir, 'releases.json');
    writeFileSync(path, JSON.stringify([{ tag_name: 'v0.19.2' }]));
    const source = createFileReleasesSource(path, 1000);
    expect(source.name).toBe('file');
    expect(await source.load()).toEqual([{ tag_name: 'v0.19.2' }]);
    expect(await source.load()).toBe('unchanged');

    writeFileSync(path, JSON.stringify({ releases: [{ tag_name: 'v0.19.2' }, { tag_name: 'v0.20.0' }] }));
    utimesSync(path, new Date(), new Date(Date.now() + 5000));
    expect(await source.load()).toEqual([{ tag_name: 'v0.19.2' }, { tag_name: 'v0.20.0' }]);
  });

  it.each([
    ['a missing file', null, 'FILE_UNREADABLE'],
    ['a file that is not JSON', '[{"tag_name": "v1', 'SOURCE_INVALID'],
    ['a file without a list', '{"tag": "v1.0.0"}', 'SOURCE_INVALID'],
  ])('fails with a coded error on %s', async (_name, content, code) => {
    const path = join(dir, 'releases.json');
    if (content !== null) writeFileSync(path, content);
    const error = await createFileReleasesSource(path, 1000)
      .load()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AdvisorError);
    expect((error as AdvisorError).code).toBe(code);
  });
});
