/**
 * `@name` references in a prompt -> canonical labels. People may write the file name
 * (`@cat.png`, `@"my cat.png"`), the name without its extension when that is unambiguous (`@cat`),
 * the position among all attachments (`@2`), or the label itself in any case (`@image2`).
 */
import { fail, ok, type Problem, type Result } from '../result.js';
import type { ReferenceKind } from './types.js';

/** An attachment as the prompt may name it; `label` is missing when the file could not be used. */
export interface PromptCandidate {
  name: string;
  /** 1-based, among all attachments in upload order. */
  position: number;
  label?: string;
  kind?: ReferenceKind;
}

/** For adapters to show, e.g. "cat.png → @Image1". */
export interface ReferenceMapping {
  name: string;
  label: string;
  kind: ReferenceKind;
  /** Whether the prompt names this file. */
  referenced: boolean;
  /** What conversion did to the file (see Reference.note). */
  note?: string;
  /** Marked as showing a real person (`--face`) and sent in the model's face field. */
  face?: boolean;
  /** The model's label when it differs from `label`: face media is numbered first (references/faces.ts). */
  sentAs?: string;
}

export interface RewrittenPrompt {
  prompt: string;
  mapping: ReferenceMapping[];
}

/**
 * `@` not preceded by a letter, digit or one of `_ . + - < @ / = :`, which keeps e-mail addresses,
 * Discord and Slack mentions (`<@123>`, `<@U123|ann>`) and URLs (`example.com/@ann`) out.
 * Then a quoted name (straight or curly quotes, as Slack and phones type them) or a run of
 * letters, digits, `_`, `.`, `-`.
 */
const REFERENCE_TOKEN = /(?<![\p{L}\p{N}_.+\-<@/=:])@(?:"([^"\n]+)"|“([^”\n]+)”|([\p{L}\p{N}\p{M}_.-]+))/gu;

/** Chat-wide mentions typed as plain text; left alone unless a file has that name. */
const PLATFORM_MENTIONS = new Set(['everyone', 'here', 'channel']);

export type Resolution = { found: PromptCandidate } | { ambiguous: PromptCandidate[] } | undefined;

export function rewritePromptReferences(prompt: string, candidates: readonly PromptCandidate[]): Result<RewrittenPrompt> {
  const problems: Problem[] = [];
  const reported = new Set<string>();
  const referenced = new Set<PromptCandidate>();
  const report = (key: string, problem: Problem) => {
    if (reported.has(key)) return;
    reported.add(key);
    problems.push(problem);
  };

  const rewritten = prompt.replace(REFERENCE_TOKEN, (match, straight?: string, curly?: string, bare?: string) => {
    const quoted = straight ?? curly;
    let name = quoted ?? bare ?? '';
    let rest = '';
    let resolution = resolveReference(name, candidates);
    // "look at @cat.png." : the sentence's full stop is not part of the name.
    while (!resolution && quoted === undefined && /[._-]$/.test(name)) {
      rest = name.slice(-1) + rest;
      name = name.slice(0, -1);
      resolution = resolveReference(name, candidates);
    }

    if (!resolution) {
      if (quoted === undefined && PLATFORM_MENTIONS.has(name.toLowerCase())) return match;
      report(`unknown:${name.toLowerCase()}`, {
        code: 'prompt.unknown_reference',
        params: {
          reference: `@${name}`,
          names: candidates.map((c) => c.name),
          labels: candidates.flatMap((c) => (c.label ? [c.label] : [])),
        },
      });
      return match;
    }
    if ('ambiguous' in resolution) {
      report(`ambiguous:${name.toLowerCase()}`, {
        code: 'prompt.ambiguous_reference',
        params: {
          reference: `@${name}`,
          names: resolution.ambiguous.map((c) => c.name),
          labels: resolution.ambiguous.flatMap((c) => (c.label ? [c.label] : [])),
        },
      });
      return match;
    }
    referenced.add(resolution.found);
    // A file that could not be used has no label; its own problem is reported elsewhere.
    return resolution.found.label ? resolution.found.label + rest : match;
  });

  if (problems.length > 0) return fail(...problems);
  const mapping = candidates.flatMap((c): ReferenceMapping[] =>
    c.label && c.kind ? [{ name: c.name, label: c.label, kind: c.kind, referenced: referenced.has(c) }] : [],
  );
  return ok({ prompt: rewritten, mapping });
}

/** Full file name, then label, then position, then file name without extension. */
export function resolveReference(name: string, candidates: readonly PromptCandidate[]): Resolution {
  if (name === '') return undefined;
  const wanted = name.toLowerCase();

  const byName = candidates.filter((c) => c.name.toLowerCase() === wanted);
  if (byName.length > 0) return single(byName);

  const byLabel = candidates.find((c) => c.label?.toLowerCase() === `@${wanted}`);
  if (byLabel) return { found: byLabel };

  const byPosition = /^\d+$/.test(wanted) ? candidates.find((c) => c.position === Number(wanted)) : undefined;
  if (byPosition) return { found: byPosition };

  const byStem = candidates.filter((c) => stem(c.name).toLowerCase() === wanted);
  return byStem.length > 0 ? single(byStem) : undefined;
}

function single(matches: PromptCandidate[]): Resolution {
  const [first] = matches;
  if (matches.length === 1 && first) return { found: first };
  return { ambiguous: matches };
}

function stem(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  return dot > 0 ? fileName.slice(0, dot) : fileName;
}
