/**
 * Problem lists are bounded where they are made and where they are written: the parser keeps ten
 * problems and counts the rest (10,000 bad flags are not 10,000 objects), and a refusal lists at
 * most ten and fits the platform's limit, counting what it left out.
 */
import { describe, expect, it } from 'vitest';
import { DISCORD_TEXT_LIMIT, problemDescriber, SLACK_TEXT_LIMIT, TEXT_COMMAND_HINTS } from '../../src/core/messages.js';
import { parseOptionsText } from '../../src/core/options/parse-options.js';
import type { Problem } from '../../src/core/result.js';

const slack = problemDescriber(TEXT_COMMAND_HINTS, SLACK_TEXT_LIMIT);
const discord = problemDescriber(TEXT_COMMAND_HINTS, DISCORD_TEXT_LIMIT);

describe('the parser', () => {
  it('keeps ten problems of 10,000 unknown flags and counts the rest', () => {
    const parsed = parseOptionsText(`a fox ${Array.from({ length: 10_000 }, (_, i) => `--nope${i}`).join(' ')}`);
    if (parsed.ok) throw new Error('expected problems');
    expect(parsed.problems).toHaveLength(11);
    expect(parsed.problems.slice(0, 10).every((p) => p.code === 'option.unknown_flag')).toBe(true);
    expect(parsed.problems[10]).toEqual({ code: 'request.more_problems', params: { count: 9_990 } });
  });

  it('lists a few problems as before, with nothing counted', () => {
    const parsed = parseOptionsText('a fox --res 9000p --frobnicate');
    expect(parsed.ok ? [] : parsed.problems.map((p) => p.code)).toEqual(['option.invalid_value', 'option.unknown_flag']);
  });
});

describe('refusal texts', () => {
  const unknown = (flag: string): Problem => ({ code: 'option.unknown_flag', params: { flag } });

  it('list ten problems, then how many more', () => {
    const text = slack.problems(Array.from({ length: 25 }, (_, i) => unknown(`--x${i}`)));
    expect(text.split('\n')).toHaveLength(12);
    expect(text.split('\n')[0]).toBe('I could not start this video, for 25 reasons (nothing was spent):');
    expect(text.split('\n')[11]).toBe('• …and 15 more. Fix these first; sending it again lists what is left.');
  });

  it('fit Discord\'s 2,000 characters with long lines, counting the lines left out', () => {
    const long = Array.from({ length: 10 }, (_, i) => unknown(`--${String(i).repeat(190)}`));
    const text = discord.problems(long);
    expect([...text].length).toBeLessThanOrEqual(2_000);
    const shown = text.split('\n').filter((l) => l.includes('is not an option')).length;
    expect(shown).toBeLessThan(10);
    expect(text).toContain(`…and ${10 - shown} more`);
  });

  it('fit Slack\'s 3,000 characters counted as sent, with & < > as entities', () => {
    const text = slack.problems(Array.from({ length: 10 }, () => unknown(`--${'<&>'.repeat(60)}`)));
    const sent = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(sent.length).toBeLessThanOrEqual(3_000);
    expect(text).toMatch(/…and \d+ more/);
  });

  it('cut one problem that is alone longer than the limit', () => {
    const names = Array.from({ length: 12 }, (_, i) => `${String(i).repeat(199)}.png`);
    const text = discord.problems([{ code: 'prompt.unknown_reference', params: { reference: '@x', names, labels: ['@Image1'] } }]);
    expect([...text].length).toBeLessThanOrEqual(2_000);
    expect(text.endsWith('…')).toBe(true);
  });
});
