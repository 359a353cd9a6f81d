/**
 * Real faces. Seedance refuses media that shows a real person unless it comes in the face fields
 * (`input_face_images`, `input_face_videos`; `input_image_has_face`, `tail_image_url_has_face` in
 * image-to-video), and numbers face media FIRST within its kind (oxen-api.md section 6): with
 * `--face @Image2`, the model's `@Image1` is the person's `@Image2`. People keep their own labels
 * (upload order); the prompt the model receives is renumbered to the model's, so each label still
 * points at the file the person meant.
 */
import type { Mode } from '../request.js';
import type { RequestSchema } from '../oxen/types.js';
import { fail, ok, type Problem, type Result } from '../result.js';
import { referenceLabel } from './labels.js';
import { resolveReference, type PromptCandidate } from './prompt-references.js';
import type { ReferenceKind } from './types.js';

/** Reference-to-video: the field that takes the face media of one kind. */
export const FACE_FIELDS: Readonly<Partial<Record<ReferenceKind, string>>> = { image: 'input_face_images', video: 'input_face_videos' };
/** Image-to-video: the flag that says a frame shows a real face. */
export const FRAME_FACE_FLAGS = { first: 'input_image_has_face', last: 'tail_image_url_has_face' } as const;

interface FaceMedia {
  kind: ReferenceKind;
  label: string;
  face?: boolean;
}

/** The positions (1-based, among all attachments) of the files `--face` names; every name that fits none is a problem. */
export function resolveFaces(faces: readonly string[] | undefined, candidates: readonly PromptCandidate[]): Result<Set<number>> {
  const positions = new Set<number>();
  const problems: Problem[] = [];
  for (const spec of faces ?? []) {
    const name = spec.replace(/^@/, '');
    const resolution = resolveReference(name, candidates);
    if (!resolution) {
      problems.push({
        code: 'face.unknown_reference',
        params: { reference: `@${name}`, names: candidates.map((c) => c.name), labels: candidates.flatMap((c) => (c.label ? [c.label] : [])) },
      });
    } else if ('ambiguous' in resolution) {
      problems.push({
        code: 'prompt.ambiguous_reference',
        params: { reference: `@${name}`, names: resolution.ambiguous.map((c) => c.name), labels: resolution.ambiguous.flatMap((c) => (c.label ? [c.label] : [])) },
      });
    } else if (resolution.found.kind === 'audio') {
      problems.push({ code: 'face.not_visual', file: resolution.found.name, params: { reference: `@${name}` } });
    } else {
      positions.add(resolution.found.position);
    }
  }
  return problems.length > 0 ? fail(...problems) : ok(positions);
}

/** Whether the model takes this reference's face mark (its schema has the field for it). */
export function faceTaken(mode: Mode | 'auto', schema: RequestSchema, media: FaceMedia, frame?: 'first' | 'last'): boolean {
  if (!media.face) return false;
  if (mode === 'image') return media.kind === 'image' && frame !== undefined && schema.properties[FRAME_FACE_FLAGS[frame]] !== undefined;
  const field = FACE_FIELDS[media.kind];
  return mode === 'reference' && field !== undefined && schema.properties[field] !== undefined;
}

/**
 * The person's label -> the model's, for the labels that move: within a kind whose face field the
 * schema has, the faces come first (each group in the person's order). Empty when nothing moves.
 */
export function modelLabels(mode: Mode | 'auto', schema: RequestSchema, media: readonly FaceMedia[]): Map<string, string> {
  const moved = new Map<string, string>();
  if (mode !== 'reference') return moved;
  for (const kind of ['image', 'video'] as const) {
    const ofKind = inLabelOrder(media.filter((m) => m.kind === kind));
    const faces = ofKind.filter((m) => faceTaken(mode, schema, m));
    if (faces.length === 0) continue;
    const others = ofKind.filter((m) => !faces.includes(m));
    [...faces, ...others].forEach((m, i) => {
      const label = referenceLabel(kind, i + 1);
      if (label !== m.label) moved.set(m.label, label);
    });
  }
  return moved;
}

/** Canonical labels in a rewritten prompt, as rewritePromptReferences leaves them. */
const LABEL_TOKEN = /(?<![\p{L}\p{N}_.+\-<@/=:])@(Image|Video|Audio)(\d+)(?![\p{L}\p{N}_])/gu;

/** The prompt with every label renumbered as `moved` says (all at once, so a swap stays a swap). */
export function relabelPrompt(prompt: string, moved: ReadonlyMap<string, string>): string {
  if (moved.size === 0) return prompt;
  return prompt.replace(LABEL_TOKEN, (match) => moved.get(match) ?? match);
}

/** @Image1 before @Image2 before @Image10; unnumbered labels keep their place at the end. */
export function inLabelOrder<M extends { label: string }>(media: readonly M[]): M[] {
  const numberOf = (m: M) => Number(/(\d+)$/.exec(m.label)?.[1] ?? Number.POSITIVE_INFINITY);
  return [...media].sort((a, b) => {
    const [x, y] = [numberOf(a), numberOf(b)];
    return x === y ? 0 : x - y;
  });
}
