import { describe, expect, it } from 'vitest';
import { describeProblem, describeProblems, problemDescriber } from '../../src/core/messages.js';
import { checkReferenceLimits } from '../../src/core/references/limits.js';
import { parseOptionsText } from '../../src/core/options/parse-options.js';
import type { Problem } from '../../src/core/result.js';

describe('describeProblem', () => {
  it("points at each platform's own commands", () => {
    const busy: Problem = { code: 'quota.user_in_flight', params: { limit: 2, jobs: ['abc234: queued'] } };
    const missing: Problem = { code: 'job.not_found', params: { id: 'zzzzzz' } };
    expect(describeProblem(busy)).toContain('`/video cancel <id>`');
    expect(describeProblem(missing)).toBe('There is no job `zzzzzz`. `/video jobs` lists yours.');
    const buttons = problemDescriber({ help: 'See the options.', cancel: 'press Cancel on its status message', jobs: '`/jobs` lists yours.' });
    expect(buttons.problem(busy)).toMatch(/or press Cancel on its status message\.$/);
    expect(buttons.problem(missing)).toBe('There is no job `zzzzzz`. `/jobs` lists yours.');
    expect(buttons.problems([busy, missing])).not.toContain('/video');
  });

  it('keeps a hostile file name inside its code span', () => {
    const text = describeProblem({ code: 'reference.image_too_large', file: 'x` @everyone `y.png', params: { sizeMB: 31, maxMB: 30 } });
    expect(text).toBe("`x' @everyone 'y.png` is 31 MB; images may be at most 30 MB each. Resize or compress it.");
  });

  it('turns what the limit checks report into complete sentences', () => {
    const problems = checkReferenceLimits([
      ...Array.from({ length: 10 }, (_, i) => ({ name: `p${i}.png`, kind: 'image' as const, size: 1000 })),
      { name: 'a.mp4', kind: 'video', size: 1000, durationSec: 1 },
      { name: 'song.mp3', kind: 'audio', size: 16_000_000, durationSec: 20 },
    ]);
    const sentences = problems.map(describeProblem);
    expect(sentences.length).toBeGreaterThanOrEqual(4);
    for (const sentence of sentences) {
      expect(sentence).not.toMatch(/undefined|NaN|\[object/);
      expect(sentence).toMatch(/\.$/);
    }
    expect(sentences).toContain('The videos (`a.mp4`) last 1 s together; they must last at least 2 s. Attach a longer clip.');
    expect(sentences).toContain('`song.mp3` is 16 MB; audio files may be at most 15 MB each. Compress or trim it.');
  });

  it('says what to type for option mistakes', () => {
    const parsed = parseOptionsText('a cat --durration 5 --ar 2:1 --fast --pro');
    if (parsed.ok) throw new Error('expected problems');
    expect(parsed.problems).toHaveLength(3);
    expect(describeProblem(parsed.problems[0] as Problem)).toBe(
      '`--durration` is not an option: did you mean `--duration`? Type `/video help` for the list.',
    );
    expect(describeProblem(parsed.problems[1] as Problem)).toBe('`2:1` is not a valid aspect ratio. Use one of `auto`, `21:9`, `16:9`, `4:3`, `1:1`, `3:4`, `9:16`.');
    expect(describeProblem(parsed.problems[2] as Problem)).toBe('The tier was given twice (`fast`, `pro`). Keep one.');
  });

  it('heads a list with how many problems there are and that nothing was spent', () => {
    expect(describeProblems([{ code: 'prompt.empty' }])).toBe(
      'I could not start this video (nothing was spent):\n• The prompt is empty. Describe the video you want, for example `a red fox running through snow`.',
    );
    expect(describeProblems([{ code: 'prompt.empty' }, { code: 'model.audio_needs_visual' }]).split('\n')).toHaveLength(3);
  });
});

describe('describeFailure', () => {
  it('says what to do for each way a job can end badly', async () => {
    const { describeFailure } = await import('../../src/core/messages.js');
    expect(describeFailure({ code: 'oxen.generation_failed', detail: 'Insufficient credits' })).toMatch(/run out of credits/);
    expect(describeFailure({ code: 'oxen.generation_failed', detail: 'duration: 3 is not one of' })).toBe(
      'The model could not make this video. Oxen said: `duration: 3 is not one of`. Try rewording the prompt or changing the options.',
    );
    expect(describeFailure({ code: 'job.timed_out' })).toMatch(/30 minutes/);
    expect(describeFailure({ code: 'job.timed_out', limitMinutes: 45 })).toMatch(/\(45 minutes\)/);
    expect(describeFailure({ code: 'job.timed_out', limitMinutes: 1 })).toMatch(/\(1 minute\)/);
    expect(describeFailure({ code: 'oxen.server' })).toMatch(/Try again in a few minutes/);
  });
});
