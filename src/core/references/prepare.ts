/**
 * The references step of a request, as the rest of the core sees it: download, sniff, probe,
 * check every limit, label, rewrite the prompt. Every problem is reported at once; nothing is
 * hosted or spent here.
 *
 * The files are written into a temporary directory of the request's own: removed here when the
 * request is refused or anything throws, otherwise by the caller's `release` once it has saved
 * them (and by the next start after a crash: media/temp-files.ts).
 */
import { sharedTempFiles, type TempFiles } from '../media/temp-files.js';
import { fail, ok, type Problem, type Result } from '../result.js';
import { applyConversion, trimPlan, type ConversionNeed } from './convert.js';
import { assignLabels } from './labels.js';
import { resolveFaces } from './faces.js';
import { checkReferenceLimits, REFERENCE_LIMITS, type ReferenceLimits } from './limits.js';
import { loadAttachments, type LoadedMedia, type LoadOptions } from './load.js';
import { rewritePromptReferences, type PromptCandidate, type ReferenceMapping } from './prompt-references.js';
import type { IncomingAttachment, Reference } from './types.js';

export interface PreparedReferences {
  /** In upload order. */
  references: Reference[];
  /** With every `@name` replaced by its canonical label. */
  prompt: string;
  mapping: ReferenceMapping[];
  /** Removes the references' files (they are in the request's temporary directory). Call exactly once the references are saved or given up. */
  release(): Promise<void>;
}

export interface PrepareOptions extends LoadOptions {
  /** Where the request's temporary directory is made; default the process's (temp-files.ts). */
  temp?: TempFiles;
}

export async function prepareReferences(
  attachments: readonly IncomingAttachment[],
  prompt: string,
  options: PrepareOptions = {},
  faces?: readonly string[],
): Promise<Result<PreparedReferences>> {
  if (attachments.length === 0) return prepareIn(undefined, attachments, prompt, options, faces);
  const temp = await (options.temp ?? sharedTempFiles()).open();
  try {
    const prepared = await prepareIn(temp.dir, attachments, prompt, options, faces);
    if (!prepared.ok) await temp.dispose();
    return prepared.ok ? ok({ ...prepared.value, release: temp.dispose }) : prepared;
  } catch (error) {
    await temp.dispose();
    throw error;
  }
}

const NOTHING_TO_RELEASE = async () => undefined;

async function prepareIn(
  dir: string | undefined,
  attachments: readonly IncomingAttachment[],
  prompt: string,
  options: PrepareOptions,
  faces: readonly string[] | undefined,
): Promise<Result<PreparedReferences>> {
  const outcomes = dir === undefined ? [] : await loadAttachments(attachments, dir, options);
  const problems: Problem[] = [];
  let loaded: LoadedMedia[] = [];
  for (const outcome of outcomes) {
    if (outcome.ok) loaded.push(outcome.media);
    else problems.push(outcome.problem);
  }
  if (options.converter && problems.length === 0 && dir !== undefined) loaded = await convertAll(loaded, dir, options, problems);

  // Only a failed download leaves us not knowing what a file is (and whether it would have met a
  // minimum); an unsupported or oversized file is known not to count.
  const incomplete = problems.some((p) => p.code === 'reference.download_failed');
  problems.push(...checkReferenceLimits(asIfConverted(loaded, options), options.limits ?? REFERENCE_LIMITS, { incomplete }));

  const labelled = assignLabels(loaded);
  const byPosition = new Map(labelled.map((r) => [r.position, r]));
  const candidates = attachments.map((attachment, i): PromptCandidate => {
    const reference = byPosition.get(i + 1);
    return { name: attachment.name, position: i + 1, ...(reference ? { label: reference.label, kind: reference.kind } : {}) };
  });
  const rewritten = rewritePromptReferences(prompt, candidates);
  if (!rewritten.ok) problems.push(...rewritten.problems);
  const facePositions = resolveFaces(faces, candidates);
  if (!facePositions.ok) problems.push(...facePositions.problems);

  if (problems.length > 0 || !rewritten.ok || !facePositions.ok) return fail(...problems);
  const references = labelled.map((r) => (r.position !== undefined && facePositions.value.has(r.position) ? { ...r, face: true } : r));
  const notes = new Map(references.flatMap((r) => (r.note ? [[r.label, r.note] as const] : [])));
  const mapping = rewritten.value.mapping.map((m) => (notes.has(m.label) ? { ...m, note: notes.get(m.label)! } : m));
  return ok({ references, prompt: rewritten.value.prompt, mapping, release: NOTHING_TO_RELEASE });
}

/**
 * Files left unconverted because another file was refused: checked as what they would become (cut
 * to what fits, sized under the caps by the conversion), so the refusal does not also blame a
 * phone clip's 120 MB that conversion would have taken care of.
 */
function asIfConverted(loaded: readonly LoadedMedia[], options: PrepareOptions): LoadedMedia[] {
  if (!options.converter || !loaded.some((m) => m.conversion)) return [...loaded];
  const cuts = trimPlan(loaded, options.limits ?? REFERENCE_LIMITS);
  return loaded.map((m) => {
    if (!m.conversion) return m;
    const cut = cuts.get(m.position);
    return { ...m, ...(m.conversion.required ? { size: 0 } : {}), ...(cut !== undefined ? { durationSec: cut } : {}) };
  });
}

/**
 * Converts what the model does not take, and cuts what is longer than its totals, all at once (the
 * converter's pool bounds how many run). Only once every file was read: a request refused for
 * another file converts nothing.
 */
async function convertAll(loaded: LoadedMedia[], dir: string, options: PrepareOptions, problems: Problem[]): Promise<LoadedMedia[]> {
  const limits: ReferenceLimits = options.limits ?? REFERENCE_LIMITS;
  const cuts = trimPlan(loaded, limits);
  const pending = (m: LoadedMedia): m is LoadedMedia & { conversion: ConversionNeed } => m.conversion !== undefined && (m.conversion.required || cuts.has(m.position));
  const videos = loaded.filter((m) => m.kind === 'video');
  const kept = videos.filter((m) => !pending(m)).reduce((n, m) => n + m.size, 0);
  const converting = videos.length - videos.filter((m) => !pending(m)).length;
  const maxVideoBytes = Math.floor((limits.videos.totalBytesUnder - 1 - kept) / Math.max(1, converting));
  const results = await Promise.all(
    loaded.map(async (m) => {
      if (!pending(m)) return m;
      const cut = cuts.get(m.position);
      const converted = await applyConversion(options.converter!, m, { ...(cut !== undefined ? { maxSec: cut } : {}), maxVideoBytes, limits, dir, ...(options.signal ? { signal: options.signal } : {}) });
      if (converted.ok) return converted.media;
      problems.push(converted.problem);
      return undefined;
    }),
  );
  return results.filter((m): m is LoadedMedia => m !== undefined).map(({ conversion: _probed, ...m }) => m);
}
