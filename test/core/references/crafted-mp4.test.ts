/**
 * MP4s with lying box sizes: each is one unreadable file, named, next to the other files'
 * problems; never an exception that takes the whole request down.
 */
import { describe, expect, it } from 'vitest';
import { describeProblems } from '../../../src/core/messages.js';
import { readMovieDurationSec } from '../../../src/core/references/mp4-duration.js';
import { prepareReferences } from '../../../src/core/references/prepare.js';
import { probeDurationSec } from '../../../src/core/references/probe.js';
import { bogusLargeMovieHeader, emptyMovieHeaderAtEnd, oversizedMovieBox } from '../../helpers/crafted-mp4.js';
import { attachmentOf, upload } from './helpers.js';

const CRAFTED = [
  ['an empty mvhd at the end of the file', emptyMovieHeaderAtEnd()],
  ['a moov longer than the file', oversizedMovieBox()],
  ['an mvhd with a 64-bit size beyond any file', bogusLargeMovieHeader()],
] as const;

describe('a crafted MP4', () => {
  it.each(CRAFTED)('with %s has no duration, and reading it does not throw', async (_what, bytes) => {
    expect(() => readMovieDurationSec(bytes)).not.toThrow();
    expect(readMovieDurationSec(bytes)).toBeUndefined();
    await expect(probeDurationSec(bytes, 'video', 'video/mp4')).resolves.toBeUndefined();
  });

  it('is reported unreadable by name, with the other files still checked', async () => {
    const result = await prepareReferences(
      [upload('cat.png'), attachmentOf('trap.mp4', emptyMovieHeaderAtEnd()), upload('notes.png'), attachmentOf('long.mp4', oversizedMovieBox()), attachmentOf('huge.mp4', bogusLargeMovieHeader()), upload('clip1s.mp4')],
      '@cat.png dances',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byFile = result.problems.map((p) => [p.file, p.code]);
    expect(byFile).toEqual(
      expect.arrayContaining([
        ['trap.mp4', 'reference.unreadable_media'],
        ['notes.png', 'reference.unsupported_type'],
        ['long.mp4', 'reference.unreadable_media'],
        ['huge.mp4', 'reference.unreadable_media'],
      ]),
    );
    // The good files are not blamed.
    expect(result.problems.some((p) => p.file === 'cat.png' || p.file === 'clip1s.mp4')).toBe(false);
    const text = describeProblems(result.problems);
    expect(text).toContain('trap.mp4');
    expect(text).toContain('cannot be read');
  });
});
