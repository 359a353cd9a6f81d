/**
 * Every file in the prompt. A file the prompt does not name is still sent, but the model is not
 * told what it is for; so each one is named in a sentence added at the end ("Use @Image2 as a
 * reference image."). The person's own words, labels and names are kept as they are.
 */
import { PROMPT_MAX_LENGTH } from '../options/parse-options.js';
import { fail, ok, type Result } from '../result.js';
import { inLabelOrder } from './faces.js';
import type { ReferenceMapping } from './prompt-references.js';
import type { ReferenceKind } from './types.js';

const NOUNS: Readonly<Record<ReferenceKind, [one: string, many: string]>> = {
  image: ['a reference image', 'reference images'],
  video: ['a reference video', 'reference videos'],
  audio: ['reference audio', 'reference audio'],
};

const joinLabels = (labels: readonly string[]) => (labels.length <= 1 ? labels.join('') : `${labels.slice(0, -1).join(', ')} and ${labels.at(-1)}`);

/** The prompt with a sentence per kind for the files it does not name; refused when that passes the prompt limit. */
export function withEveryFile(prompt: string, mapping: readonly ReferenceMapping[], max = PROMPT_MAX_LENGTH): Result<{ prompt: string; added: string[] }> {
  const sentences: string[] = [];
  const added: string[] = [];
  for (const kind of ['image', 'video', 'audio'] as const) {
    const labels = inLabelOrder(mapping.filter((m) => m.kind === kind && !m.referenced)).map((m) => m.label);
    if (labels.length === 0) continue;
    added.push(...labels);
    sentences.push(`Use ${joinLabels(labels)} as ${NOUNS[kind][labels.length === 1 ? 0 : 1]}.`);
  }
  if (sentences.length === 0) return ok({ prompt, added });
  const trimmed = prompt.trimEnd();
  const full = `${trimmed}${/[.!?…]$/.test(trimmed) ? '' : '.'} ${sentences.join(' ')}`;
  if (full.length > max) return fail({ code: 'prompt.too_long', params: { length: full.length, max, unnamed: added } });
  return ok({ prompt: full, added });
}
