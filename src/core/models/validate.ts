/**
 * What a mode can take, whatever its schema says: references per kind, first and last frames,
 * and how many generations one request may ask for.
 */
import { COUNT_MAX, COUNT_MIN, type FrameMode, type Mode } from '../request.js';
import { REFERENCE_KINDS, type ReferenceKind } from '../references/types.js';
import type { Problem } from '../result.js';
import { IMAGE_TO_VIDEO_MAX_IMAGES, type CatalogEntry, type ModelLimits } from './catalog.js';

export type MediaCounts = Record<ReferenceKind, number>;

export function countMedia(media: readonly { kind: ReferenceKind }[]): MediaCounts {
  const counts: MediaCounts = { image: 0, video: 0, audio: 0 };
  for (const m of media) counts[m.kind]++;
  return counts;
}

export function checkCount(count: number): Problem[] {
  if (Number.isInteger(count) && count >= COUNT_MIN && count <= COUNT_MAX) return [];
  return [{ code: 'option.invalid_value', params: { option: 'count', value: count, allowed: range(COUNT_MIN, COUNT_MAX) } }];
}

/** Every reason `model` cannot take these references with these frames; empty when it can. */
export function checkMedia(model: CatalogEntry, frames: FrameMode, media: readonly { kind: ReferenceKind }[]): Problem[] {
  const counts = countMedia(media);
  switch (model.mode) {
    case 'text':
      return [...framesNotTaken(model.mode, frames), ...kindsNotTaken(model.mode, counts, REFERENCE_KINDS)];
    case 'image':
      return [...checkFrames(frames, counts.image), ...kindsNotTaken(model.mode, counts, ['video', 'audio'])];
    case 'reference':
      return [...framesNotTaken(model.mode, frames), ...checkReferenceCounts(counts, model.limits.references)];
  }
}

function checkFrames(frames: FrameMode, images: number): Problem[] {
  // Image-to-video asked for without a frame mode uses the one image as the first frame.
  const wanted = frames === 'first-last' ? IMAGE_TO_VIDEO_MAX_IMAGES : 1;
  if (images === 0) return [{ code: 'model.first_frame_needs_image', params: { mode: 'image', needed: wanted } }];
  if (images < wanted) return [{ code: 'model.last_frame_needs_image', params: { frames, needed: wanted, count: images } }];
  if (images > wanted) {
    return [{ code: 'model.too_many_references', params: { mode: 'image', kind: 'image', count: images, max: wanted, frames } }];
  }
  return [];
}

function checkReferenceCounts(counts: MediaCounts, limits: ModelLimits['references']): Problem[] {
  const problems: Problem[] = [];
  if (counts.audio > 0 && counts.image + counts.video === 0) {
    problems.push({ code: 'model.audio_needs_visual', params: { count: counts.audio } });
  }
  for (const kind of REFERENCE_KINDS) {
    if (counts[kind] > limits[kind]) {
      problems.push({ code: 'model.too_many_references', params: { mode: 'reference', kind, count: counts[kind], max: limits[kind] } });
    }
  }
  const total = counts.image + counts.video + counts.audio;
  if (total > limits.total) {
    problems.push({ code: 'model.too_many_references', params: { mode: 'reference', kind: 'total', count: total, max: limits.total } });
  }
  return problems;
}

function kindsNotTaken(mode: Mode, counts: MediaCounts, kinds: readonly ReferenceKind[]): Problem[] {
  return kinds
    .filter((kind) => counts[kind] > 0)
    .map((kind): Problem => ({ code: 'model.no_media_for_mode', params: { mode, kind, count: counts[kind] } }));
}

function framesNotTaken(mode: Mode, frames: FrameMode): Problem[] {
  if (frames === 'off') return [];
  return [{ code: 'model.unsupported_value', params: { option: 'frames', value: frames, allowed: ['off'], mode } }];
}

function range(min: number, max: number): number[] {
  const values: number[] = [];
  for (let v = min; v <= max; v++) values.push(v);
  return values;
}
