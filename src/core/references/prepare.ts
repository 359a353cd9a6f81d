/**
 * The references step of a request, as the rest of the core sees it: download, sniff, probe,
 * check every limit, label, rewrite the prompt. Every problem is reported at once; nothing is
 * hosted or spent here.
 */
import { fail, ok, type Problem, type Result } from '../result.js';
import { assignLabels } from './labels.js';
import { checkReferenceLimits, REFERENCE_LIMITS } from './limits.js';
import { loadAttachments, type LoadedMedia, type LoadOptions } from './load.js';
import { rewritePromptReferences, type PromptCandidate, type ReferenceMapping } from './prompt-references.js';
import type { IncomingAttachment, Reference } from './types.js';

export interface PreparedReferences {
  /** In upload order. */
  references: Reference[];
  /** With every `@name` replaced by its canonical label. */
  prompt: string;
  mapping: ReferenceMapping[];
}

export type PrepareOptions = LoadOptions;

export async function prepareReferences(
  attachments: readonly IncomingAttachment[],
  prompt: string,
  options: PrepareOptions = {},
): Promise<Result<PreparedReferences>> {
  const outcomes = await loadAttachments(attachments, options);
  const problems: Problem[] = [];
  const loaded: LoadedMedia[] = [];
  for (const outcome of outcomes) {
    if (outcome.ok) loaded.push(outcome.media);
    else problems.push(outcome.problem);
  }

  // Only a failed download leaves us not knowing what a file is (and whether it would have met a
  // minimum); an unsupported or oversized file is known not to count.
  const incomplete = problems.some((p) => p.code === 'reference.download_failed');
  problems.push(...checkReferenceLimits(loaded, options.limits ?? REFERENCE_LIMITS, { incomplete }));

  const references = assignLabels(loaded);
  const byPosition = new Map(references.map((r) => [r.position, r]));
  const candidates = attachments.map((attachment, i): PromptCandidate => {
    const reference = byPosition.get(i + 1);
    return { name: attachment.name, position: i + 1, ...(reference ? { label: reference.label, kind: reference.kind } : {}) };
  });
  const rewritten = rewritePromptReferences(prompt, candidates);
  if (!rewritten.ok) problems.push(...rewritten.problems);

  if (problems.length > 0 || !rewritten.ok) return fail(...problems);
  return ok({ references, prompt: rewritten.value.prompt, mapping: rewritten.value.mapping });
}
