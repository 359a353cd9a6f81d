/**
 * How to re-encode a finished video so it fits a size limit: the bitrate from the duration and
 * the limit (less a margin for the MP4 container and the encoder's rate tolerance), and the
 * largest height on the ladder that still gets enough bits per pixel, never below 480p (never
 * above the source: nothing is scaled up).
 */

/** The short side is never lowered below this (480p); a smaller source keeps its own size. */
export const MIN_SHORT_SIDE = 480;

/** Short sides tried, largest first, after the source's own. */
const LADDER = [1440, 1080, 720, 576, 480] as const;

/** Bits per pixel per frame for H.264 to look clean at a fast x264 preset. */
const GOOD_BPP = 0.04;
/** Below this, even 480p is a smear: the result is not worth posting (a link goes instead). */
const FLOOR_BPP = 0.012;

/** Share of the limit the streams may use: the rest covers the moov index and rate overshoot. */
const STREAM_SHARE = 0.94;
const CONTAINER_BYTES = 64 * 1024;

export interface SourceShape {
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  hasAudio: boolean;
}

export interface FitPlan {
  width: number;
  height: number;
  videoBitrate: number;
  audioBitrate: number;
}

export type PlanOutcome = { ok: true; plan: FitPlan } | { ok: false; reason: 'too_small' | 'bad_source' };

export function planFit(source: SourceShape, targetBytes: number): PlanOutcome {
  const { durationSec, width, height, hasAudio } = source;
  if (!(durationSec > 0) || !(width > 0) || !(height > 0)) return { ok: false, reason: 'bad_source' };
  const fps = source.fps > 0 && source.fps <= 240 ? source.fps : 30;
  const totalRate = Math.floor(((targetBytes * STREAM_SHARE - CONTAINER_BYTES) * 8) / durationSec);
  const audioBitrate = !hasAudio ? 0 : totalRate >= 1_500_000 ? 128_000 : 64_000;
  const videoBitrate = totalRate - audioBitrate;
  if (videoBitrate <= 0) return { ok: false, reason: 'too_small' };

  const shortSide = Math.min(width, height);
  const heights = [shortSide, ...LADDER.filter((side) => side < shortSide && side >= MIN_SHORT_SIDE)];
  const shapes = heights.map((side) => scaledTo(width, height, side));
  const bpp = (shape: { width: number; height: number }) => videoBitrate / (shape.width * shape.height * fps);
  const chosen = shapes.find((shape) => bpp(shape) >= GOOD_BPP) ?? shapes.at(-1)!;
  if (bpp(chosen) < FLOOR_BPP) return { ok: false, reason: 'too_small' };
  return { ok: true, plan: { ...chosen, videoBitrate, audioBitrate } };
}

/** The size with `shortSide` as its short side, the aspect ratio kept, both sides even. */
export function scaledTo(width: number, height: number, shortSide: number): { width: number; height: number } {
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  if (Math.min(width, height) <= shortSide) return { width: even(width), height: even(height) };
  return width <= height
    ? { width: even(shortSide), height: even((height * shortSide) / width) }
    : { width: even((width * shortSide) / height), height: even(shortSide) };
}
