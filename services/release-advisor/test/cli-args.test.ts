import { describe, expect, it } from 'vitest';
import { AdvisorError } from '../src/advisor-error';
import { parsePublishArgs } from '../src/cli';

describe('parsePublishArgs', () => {
  it('parses a tag with options', () => {
    expect(
      parsePublishArgs([
        'publish',
        'v0.70.0',
        '--notes',
        'https://notes.example/v0.70.0',
        '--channel',
        'stable',
      ]),
    ).toEqual({
      tag: 'v0.70.0',
      notes: 'https://notes.example/v0.70.0',
      channel: 'stable',
      downloadBase: undefined,
      force: false,
    });
    expect(parsePublishArgs(['publish', '0.70.0', '--force']).force).toBe(true);
  });

  it.each([
    [[]],
    [['publish']],
    [['release', 'v1.0.0']],
    [['publish', 'v1.0.0', 'extra']],
    [['publish', 'v1.0.0', '--unknown']],
    [['publish', 'v1.0.0', '--notes']],
    [['publish', 'v1.0.0', '--notes', 'not a url']],
    [['publish', 'v1.0.0', '--download-base', 'nope']],
  ])('rejects %j with INVALID_ARGS', (argv) => {
    let error: unknown;
    try {
      parsePublishArgs(argv);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AdvisorError);
    expect((error as AdvisorError).code).toBe('INVALID_ARGS');
  });
});
