import { describe, expect, it } from 'vitest';
import { rewritePromptReferences, type PromptCandidate } from '../../../src/core/references/prompt-references.js';

const candidates: PromptCandidate[] = [
  { name: 'cat.png', position: 1, label: '@Image1', kind: 'image' },
  { name: 'Dance Move.mp4', position: 2, label: '@Video1', kind: 'video' },
  { name: 'dog.jpg', position: 3, label: '@Image2', kind: 'image' },
  { name: 'beat.mp3', position: 4, label: '@Audio1', kind: 'audio' },
];

function rewrite(prompt: string, list: PromptCandidate[] = candidates): string {
  const result = rewritePromptReferences(prompt, list);
  if (!result.ok) throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  return result.value.prompt;
}

describe('rewritePromptReferences', () => {
  it('rewrites file names, case-insensitively, to labels', () => {
    expect(rewrite('@cat.png chases @DOG.JPG')).toBe('@Image1 chases @Image2');
  });

  it('accepts a name without its extension', () => {
    expect(rewrite('@cat dances to @beat')).toBe('@Image1 dances to @Audio1');
  });

  it('accepts positions among all attachments', () => {
    expect(rewrite('@3 and @1 watch @2')).toBe('@Image2 and @Image1 watch @Video1');
  });

  it('accepts the canonical labels in any case', () => {
    expect(rewrite('@image2 copies @Video1 with @AUDIO1')).toBe('@Image2 copies @Video1 with @Audio1');
  });

  it('accepts quoted names with spaces, straight or curly', () => {
    expect(rewrite('@"Dance Move.mp4" then @“dance move”')).toBe('@Video1 then @Video1');
  });

  it('keeps sentence punctuation after a name', () => {
    expect(rewrite('Look at @cat.png. Then @dog, then @beat.mp3...')).toBe('Look at @Image1. Then @Image2, then @Audio1...');
  });

  it('leaves e-mail addresses, mentions, URLs and @everyone alone', () => {
    const prompt = 'mail ann@cat.png or <@123> <@!456> <@&789> <@U0ABC|ann> see https://x.com/@cat @everyone @here';
    expect(rewrite(prompt)).toBe(prompt);
  });

  it('reports an unknown name with the names and labels that exist, once per name', () => {
    const result = rewritePromptReferences('@cat meets @bird and @Bird, and @Image3', candidates);
    expect(result).toEqual({
      ok: false,
      problems: [
        {
          code: 'prompt.unknown_reference',
          params: {
            reference: '@bird',
            names: ['cat.png', 'Dance Move.mp4', 'dog.jpg', 'beat.mp3'],
            labels: ['@Image1', '@Video1', '@Image2', '@Audio1'],
          },
        },
        { code: 'prompt.unknown_reference', params: expect.objectContaining({ reference: '@Image3' }) },
      ],
    });
  });

  it('reports an unknown position and any @name when there are no attachments', () => {
    expect(rewritePromptReferences('@5', candidates)).toMatchObject({ ok: false, problems: [{ params: { reference: '@5' } }] });
    expect(rewritePromptReferences('a @nike shoe', [])).toEqual({
      ok: false,
      problems: [{ code: 'prompt.unknown_reference', params: { reference: '@nike', names: [], labels: [] } }],
    });
  });

  it('reports a name that fits several files as ambiguous', () => {
    const twins: PromptCandidate[] = [
      { name: 'cat.png', position: 1, label: '@Image1', kind: 'image' },
      { name: 'cat.mp4', position: 2, label: '@Video1', kind: 'video' },
    ];
    expect(rewritePromptReferences('@cat', twins)).toEqual({
      ok: false,
      problems: [{ code: 'prompt.ambiguous_reference', params: { reference: '@cat', names: ['cat.png', 'cat.mp4'], labels: ['@Image1', '@Video1'] } }],
    });
    expect(rewrite('@cat.mp4 and @2', twins)).toBe('@Video1 and @Video1');
  });

  it('prefers a full file name, then a label, then a position, then a name without extension', () => {
    const tricky: PromptCandidate[] = [
      { name: 'photo.png', position: 1, label: '@Image1', kind: 'image' },
      { name: 'image1.png', position: 2, label: '@Image2', kind: 'image' },
      { name: '1.png', position: 3, label: '@Image3', kind: 'image' },
    ];
    expect(rewrite('@image1.png @image1 @1 @1.png', tricky)).toBe('@Image2 @Image1 @Image1 @Image3');
  });

  it('leaves a reference to an unusable file as written, without another problem', () => {
    const withBroken: PromptCandidate[] = [{ name: 'pic.gif', position: 1 }, ...candidates.slice(0, 1).map((c) => ({ ...c, position: 2 }))];
    expect(rewritePromptReferences('@pic and @cat', withBroken)).toEqual({
      ok: true,
      value: { prompt: '@pic and @Image1', mapping: [{ name: 'cat.png', label: '@Image1', kind: 'image', referenced: true }] },
    });
  });

  it('returns the mapping of every labelled file, marking the ones the prompt names', () => {
    const result = rewritePromptReferences('@cat only', candidates);
    expect(result.ok && result.value.mapping).toEqual([
      { name: 'cat.png', label: '@Image1', kind: 'image', referenced: true },
      { name: 'Dance Move.mp4', label: '@Video1', kind: 'video', referenced: false },
      { name: 'dog.jpg', label: '@Image2', kind: 'image', referenced: false },
      { name: 'beat.mp3', label: '@Audio1', kind: 'audio', referenced: false },
    ]);
  });
});
