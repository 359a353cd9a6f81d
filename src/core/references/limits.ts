/** Seedance reference-to-video limits (2.0, and 2.5's larger counts), checked before anything is spent. */
import type { Version } from '../request.js';
import type { Problem } from '../result.js';
import type { ReferenceKind } from './types.js';

/**
 * One "MB" of Oxen's limits, in bytes. Oxen does not say whether it means 10^6 or 2^20; the
 * decimal reading is the stricter one, so a file accepted here fits under either reading and
 * never fails at run time, after the job was paid for and waited on.
 */
export const MB = 1_000_000;

export interface ReferenceLimits {
  readonly images: { readonly maxCount: number; readonly maxBytesEach: number };
  /** Videos must be strictly under `totalBytesUnder` together. */
  readonly videos: {
    readonly maxCount: number;
    readonly totalBytesUnder: number;
    readonly minSecondsTotal: number;
    readonly maxSecondsTotal: number;
  };
  readonly audios: { readonly maxCount: number; readonly maxBytesEach: number; readonly maxSecondsTotal: number };
  readonly maxFiles: number;
}

/**
 * From Oxen's reference-to-video page (see shared/seeds/003). `maxFiles` is 12, not 15: today's
 * schema says 15 in total, the older page (and its "Too many input files" error) says 12. The
 * per-kind caps already add up to 15 (9 + 3 + 3), so a 15 cap would never bind; 12 is the only
 * reading that can reject anything, and if Oxen still enforces it, the job would fail only once it
 * runs. Asking people to drop a file up front is cheaper. Raise it (options.limits) once verified.
 */
export const REFERENCE_LIMITS: ReferenceLimits = Object.freeze({
  images: Object.freeze({ maxCount: 9, maxBytesEach: 30 * MB }),
  videos: Object.freeze({ maxCount: 3, totalBytesUnder: 50 * MB, minSecondsTotal: 2, maxSecondsTotal: 15 }),
  audios: Object.freeze({ maxCount: 3, maxBytesEach: 15 * MB, maxSecondsTotal: 15 }),
  maxFiles: 12,
});

/**
 * Seedance 2.5 takes up to 30 images, 10 videos and 10 audio files (oxen-api.md section 6). Its
 * page gives no sizes, lengths or total, so those stay 2.0's, and the total is the kinds' sum.
 */
export const REFERENCE_LIMITS_2_5: ReferenceLimits = Object.freeze({
  images: Object.freeze({ ...REFERENCE_LIMITS.images, maxCount: 30 }),
  videos: Object.freeze({ ...REFERENCE_LIMITS.videos, maxCount: 10 }),
  audios: Object.freeze({ ...REFERENCE_LIMITS.audios, maxCount: 10 }),
  maxFiles: 50,
});

/** The file limits of one version (undefined: the default, 2.0). */
export function referenceLimitsFor(version: Version | undefined): ReferenceLimits {
  return version === '2.5' ? REFERENCE_LIMITS_2_5 : REFERENCE_LIMITS;
}

/** The largest single file any kind may be; anything bigger is refused whatever it turns out to be. */
export function largestAllowedFileBytes(limits: ReferenceLimits = REFERENCE_LIMITS): number {
  return Math.max(limits.images.maxBytesEach, limits.videos.totalBytesUnder - 1, limits.audios.maxBytesEach);
}

/** What the limit checks need to know about one file. */
export interface MediaFacts {
  name: string;
  kind: ReferenceKind;
  size: number;
  durationSec?: number;
}

export interface LimitCheckOptions {
  /**
   * Some attachments could not be downloaded. Minimums (videos long enough, audio needs a picture) are
   * then skipped: the missing file may well satisfy them, and telling people to add a video they
   * already sent would mislead. Maximums still apply, since a missing file can only add to them.
   */
  incomplete?: boolean;
}

/** Every limit the files break, each problem naming the file(s) and carrying the numbers. */
export function checkReferenceLimits(
  media: readonly MediaFacts[],
  limits: ReferenceLimits = REFERENCE_LIMITS,
  options: LimitCheckOptions = {},
): Problem[] {
  const problems: Problem[] = [];
  const images = media.filter((m) => m.kind === 'image');
  const videos = media.filter((m) => m.kind === 'video');
  const audios = media.filter((m) => m.kind === 'audio');

  if (images.length > limits.images.maxCount) {
    problems.push({ code: 'reference.too_many_images', params: countParams(images, limits.images.maxCount) });
  }
  for (const image of images) {
    if (image.size > limits.images.maxBytesEach) {
      problems.push({ code: 'reference.image_too_large', file: image.name, params: sizeParams(image.size, limits.images.maxBytesEach) });
    }
  }

  if (videos.length > limits.videos.maxCount) {
    problems.push({ code: 'reference.too_many_videos', params: countParams(videos, limits.videos.maxCount) });
  }
  if (videos.length > 0) {
    const totalBytes = sum(videos.map((v) => v.size));
    if (totalBytes >= limits.videos.totalBytesUnder) {
      problems.push({
        code: 'reference.videos_too_large',
        params: { ...sizeParams(totalBytes, limits.videos.totalBytesUnder), files: names(videos) },
      });
    }
    const totalMs = totalMilliseconds(videos);
    if (totalMs > limits.videos.maxSecondsTotal * 1000) {
      problems.push({
        code: 'reference.videos_too_long',
        params: { totalSec: totalMs / 1000, maxSec: limits.videos.maxSecondsTotal, files: names(videos) },
      });
    } else if (totalMs < limits.videos.minSecondsTotal * 1000 && !options.incomplete) {
      problems.push({
        code: 'reference.videos_too_short',
        params: { totalSec: totalMs / 1000, minSec: limits.videos.minSecondsTotal, files: names(videos) },
      });
    }
  }

  if (audios.length > limits.audios.maxCount) {
    problems.push({ code: 'reference.too_many_audios', params: countParams(audios, limits.audios.maxCount) });
  }
  for (const audio of audios) {
    if (audio.size > limits.audios.maxBytesEach) {
      problems.push({ code: 'reference.audio_too_large', file: audio.name, params: sizeParams(audio.size, limits.audios.maxBytesEach) });
    }
  }
  if (audios.length > 0) {
    const totalMs = totalMilliseconds(audios);
    if (totalMs > limits.audios.maxSecondsTotal * 1000) {
      problems.push({
        code: 'reference.audios_too_long',
        params: { totalSec: totalMs / 1000, maxSec: limits.audios.maxSecondsTotal, files: names(audios) },
      });
    }
    if (images.length === 0 && videos.length === 0 && !options.incomplete) {
      problems.push({ code: 'reference.audio_needs_visual', params: { files: names(audios) } });
    }
  }

  if (media.length > limits.maxFiles) {
    problems.push({ code: 'reference.too_many_files', params: countParams(media, limits.maxFiles) });
  }
  return problems;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const names = (media: readonly MediaFacts[]) => media.map((m) => m.name);
/** Whole milliseconds, so that 5.1 + 9.9 is 15 and not 15.000000000000002. */
const totalMilliseconds = (media: readonly MediaFacts[]) => sum(media.map((m) => Math.round((m.durationSec ?? 0) * 1000)));
/** MB with one decimal, rounded up, so "30.0 MB" is never shown for a file that is over 30 MB. */
export const toMB = (bytes: number): number => Math.ceil((bytes / MB) * 10) / 10;

function countParams(media: readonly MediaFacts[], max: number) {
  return { count: media.length, max, files: names(media) };
}

function sizeParams(bytes: number, maxBytes: number) {
  return { bytes, maxBytes, sizeMB: toMB(bytes), maxMB: maxBytes / MB };
}
