import { describe, expect, it } from 'vitest';
import { parseOptionFields, parseOptionsText, parseRequestFields, PROMPT_MAX_LENGTH } from '../../../src/core/options/parse-options.js';
import { DEFAULT_OPTIONS } from '../../../src/core/request.js';
import type { Problem, Result } from '../../../src/core/result.js';

function problemsOf<T>(result: Result<T>): Problem[] {
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.value)}`);
  return result.problems;
}

function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`expected a value, got ${JSON.stringify(result.problems)}`);
  return result.value;
}

describe('parseOptionsText', () => {
  it('keeps text without flags as the prompt, with the defaults', () => {
    const parsed = valueOf(parseOptionsText('  a fox   in the snow '));
    expect(parsed.prompt).toBe('a fox in the snow');
    expect(parsed.options).toEqual(DEFAULT_OPTIONS);
    expect(parsed.given.size).toBe(0);
  });

  it('reads every flag of the vocabulary, anywhere in the text', () => {
    const parsed = valueOf(
      parseOptionsText('--fast a fox --res 480p in snow --duration 8 --ar 9:16 --no-audio --watermark --count 2 --mode reference'),
    );
    expect(parsed.prompt).toBe('a fox in snow');
    expect(parsed.options).toEqual({
      tier: 'fast',
      mode: 'reference',
      resolution: '480p',
      duration: 8,
      aspectRatio: '9:16',
      audio: false,
      watermark: true,
      count: 2,
      frames: 'off',
    });
    expect([...parsed.given].sort()).toEqual(['aspectRatio', 'audio', 'count', 'duration', 'mode', 'resolution', 'tier', 'watermark']);
  });

  it.each([
    ['--res=1080', { resolution: '1080p' }],
    ['--res 4K', { resolution: '4k' }],
    ['--duration 12s', { duration: 12 }],
    ['--duration auto', { duration: 'auto' }],
    ['--ar 16x9', { aspectRatio: '16:9' }],
    ['--ar adaptive', { aspectRatio: 'auto' }],
    ['--audio', { audio: true }],
    ['--audio off', { audio: false }],
    ['--first-frame', { frames: 'first' }],
    ['--last-frame', { frames: 'first-last' }],
    ['--first-frame --last-frame', { frames: 'first-last' }],
    ['--mini', { tier: 'mini' }],
    ['--PRO', { tier: 'pro' }],
    ['\u2014fast', { tier: 'fast' }],
    ['--i2v', { mode: 'image' }],
  ])('reads %s', (flags, expected) => {
    const parsed = valueOf(parseOptionsText(`a cat ${flags}`));
    expect(parsed.options).toMatchObject(expected);
    expect(parsed.prompt).toBe('a cat');
  });

  it('suggests the closest flag for a typo', () => {
    expect(problemsOf(parseOptionsText('a cat --durration 5'))).toContainEqual({
      code: 'option.unknown_flag',
      params: { flag: '--durration', suggestion: '--duration' },
    });
    expect(problemsOf(parseOptionsText('a cat --zzzzzz'))).toEqual([{ code: 'option.unknown_flag', params: { flag: '--zzzzzz' } }]);
  });

  it('reports every malformed value at once, naming what is allowed', () => {
    const problems = problemsOf(parseOptionsText('a cat --duration 3 --res 360p --count 9 --ar 2:1'));
    expect(problems.map((p) => p.params?.option)).toEqual(['duration', 'resolution', 'count', 'aspectRatio']);
    expect(problems[0]).toEqual({
      code: 'option.invalid_value',
      params: { option: 'duration', flag: '--duration', value: '3', allowed: ['auto', '4-30'] },
    });
    expect(problems[1]?.params?.allowed).toEqual(['480p', '720p', '1080p', '4k']);
  });

  it('reports a flag with its value missing', () => {
    expect(problemsOf(parseOptionsText('a cat --res'))).toEqual([
      { code: 'option.missing_value', params: { flag: '--res', allowed: ['480p', '720p', '1080p', '4k'] } },
    ]);
    // The next flag is not taken as the value.
    expect(problemsOf(parseOptionsText('a cat --duration --fast'))[0]?.code).toBe('option.missing_value');
  });

  it('refuses contradicting flags', () => {
    expect(problemsOf(parseOptionsText('a cat --fast --pro'))).toEqual([
      { code: 'option.conflict', params: { option: 'tier', values: ['fast', 'pro'], flag: '--pro' } },
    ]);
    expect(valueOf(parseOptionsText('a cat --fast --fast')).options.tier).toBe('fast');
  });

  it('refuses an empty or overlong prompt', () => {
    expect(problemsOf(parseOptionsText('--fast --res 480p'))).toEqual([{ code: 'prompt.empty' }]);
    expect(problemsOf(parseOptionsText('x'.repeat(PROMPT_MAX_LENGTH + 1)))[0]?.code).toBe('prompt.too_long');
  });

  it('leaves dashes that are not flags in the prompt', () => {
    expect(valueOf(parseOptionsText('a cat -- then a dog - fast')).prompt).toBe('a cat -- then a dog - fast');
  });
});

describe('parseOptionFields', () => {
  it('reads typed fields with the same vocabulary', () => {
    const parsed = valueOf(parseOptionFields({ tier: 'pro', duration: 10, audio: true, resolution: '1080p', count: null }));
    expect(parsed.options).toMatchObject({ tier: 'pro', duration: 10, audio: true, resolution: '1080p', count: 1 });
    expect([...parsed.given].sort()).toEqual(['audio', 'duration', 'resolution', 'tier']);
  });

  it('reports bad typed fields and a missing prompt together', () => {
    const problems = problemsOf(parseRequestFields('   ', { duration: 31 }));
    expect(problems.map((p) => p.code)).toEqual(['option.invalid_value', 'prompt.empty']);
  });
});
