/**
 * The Seedance 2.0 family on Oxen: one entry per model, and the facts about tiers and modes that
 * selection, validation and the adapters' choice lists are built from. Adapters read their
 * choices from here; there is no second copy.
 */
import type { RequestSchema } from '../oxen/types.js';
import {
  ASPECT_RATIOS,
  DURATION_MAX,
  DURATION_MIN,
  MODES,
  RESOLUTIONS,
  TIERS,
  type AspectRatio,
  type Mode,
  type Resolution,
  type Tier,
} from '../request.js';
import type { ReferenceKind } from '../references/types.js';
import { todaysSchema } from './fallback-schemas.js';
import { REFERENCE_LIMITS as FILE_LIMITS } from '../references/limits.js';

export interface CatalogEntry {
  /** Oxen model id, e.g. bytedance-seedance-2-0-fast-text-to-video. */
  readonly id: string;
  readonly tier: Tier;
  readonly mode: Mode;
  readonly displayName: string;
  /** Used when the live request_schema is unavailable. */
  readonly fallbackSchema: RequestSchema;
}

export const TIER_NAMES: Readonly<Record<Tier, string>> = { pro: 'Pro', fast: 'Fast', mini: 'Mini' };
export const MODE_NAMES: Readonly<Record<Mode, string>> = {
  text: 'Text to Video',
  image: 'Image to Video',
  reference: 'Reference to Video',
};

export const RESOLUTIONS_BY_TIER: Readonly<Record<Tier, readonly Resolution[]>> = {
  pro: ['480p', '720p', '1080p', '4k'],
  fast: ['480p', '720p'],
  mini: ['480p', '720p'],
};

/**
 * Fast is the default for `tier: auto`: it is the "fast, affordable" model, its 720p ceiling is the
 * schema's default resolution anyway, and every generation costs the operator real money. Asking
 * for 1080p or 4k with tier auto selects Pro, the only tier that offers them.
 */
export const DEFAULT_TIER: Tier = 'fast';

const entry = (id: string, tier: Tier, mode: Mode): CatalogEntry => ({
  id,
  tier,
  mode,
  displayName: `Seedance 2.0 ${TIER_NAMES[tier]} - ${MODE_NAMES[mode]}`,
  fallbackSchema: todaysSchema(mode, RESOLUTIONS_BY_TIER[tier]),
});

export const catalog: readonly CatalogEntry[] = [
  entry('bytedance-seedance-2-0-text-to-video', 'pro', 'text'),
  entry('bytedance-seedance-2-0-image-to-video', 'pro', 'image'),
  entry('bytedance-seedance-2-0-reference-to-video', 'pro', 'reference'),
  entry('bytedance-seedance-2-0-fast-text-to-video', 'fast', 'text'),
  entry('bytedance-seedance-2-0-fast-image-to-video', 'fast', 'image'),
  entry('bytedance-seedance-2-0-fast-reference-to-video', 'fast', 'reference'),
  entry('bytedance-seedance-2-0-mini-text-to-video', 'mini', 'text'),
  entry('bytedance-seedance-2-0-mini-image-to-video', 'mini', 'image'),
  entry('bytedance-seedance-2-0-mini-reference-to-video', 'mini', 'reference'),
];

export function findModel(id: string): CatalogEntry | undefined {
  return catalog.find((m) => m.id === id);
}

export function modelFor(tier: Tier, mode: Mode): CatalogEntry {
  const found = catalog.find((m) => m.tier === tier && m.mode === mode);
  if (!found) throw new Error(`catalog has no ${tier} ${mode} model`);
  return found;
}

export interface Choice<V extends string> {
  name: string;
  value: V;
}

export function tierChoices(options: { includeAuto?: boolean } = {}): Choice<Tier | 'auto'>[] {
  const tiers: Choice<Tier | 'auto'>[] = TIERS.map((t) => ({ name: TIER_NAMES[t], value: t }));
  return options.includeAuto
    ? [{ name: `Auto (${TIER_NAMES[DEFAULT_TIER]}, or Pro for 1080p/4k)`, value: 'auto' }, ...tiers]
    : tiers;
}

export function modeChoices(options: { includeAuto?: boolean } = {}): Choice<Mode | 'auto'>[] {
  const modes: Choice<Mode | 'auto'>[] = MODES.map((m) => ({ name: MODE_NAMES[m], value: m }));
  return options.includeAuto ? [{ name: 'Auto (from the attachments)', value: 'auto' }, ...modes] : modes;
}

/** Every resolution some tier offers, in ascending order. */
export function resolutionsForAnyTier(): Resolution[] {
  return RESOLUTIONS.filter((r) => TIERS.some((t) => RESOLUTIONS_BY_TIER[t].includes(r)));
}

export function tiersOffering(resolution: Resolution): Tier[] {
  return TIERS.filter((t) => RESOLUTIONS_BY_TIER[t].includes(resolution));
}

/** Neutral aspect ratios, 'auto' first (sent as `adaptive` or `auto`, whichever the schema takes). */
export const ASPECT_RATIO_CHOICES: readonly ('auto' | AspectRatio)[] = ['auto', ...ASPECT_RATIOS];

export const DURATION_RANGE = { min: DURATION_MIN, max: DURATION_MAX } as const;

/** 'auto' then every whole second the models take. */
export function durationChoices(): ('auto' | number)[] {
  const seconds: number[] = [];
  for (let s = DURATION_RANGE.min; s <= DURATION_RANGE.max; s++) seconds.push(s);
  return ['auto', ...seconds];
}

/**
 * Reference-to-video counts, from the one table of documented limits (references/limits.ts).
 * The total follows that table's choice of the old page's 12 over today's 15: a 13-file job
 * that Oxen still refused would fail only after it was paid for (open question 8 in oxen-api.md).
 */
export const REFERENCE_LIMITS: Readonly<Record<ReferenceKind, number> & { total: number }> = {
  image: FILE_LIMITS.images.maxCount,
  video: FILE_LIMITS.videos.maxCount,
  audio: FILE_LIMITS.audios.maxCount,
  total: FILE_LIMITS.maxFiles,
};

/** Image-to-video takes a first frame and, optionally, a last frame. */
export const IMAGE_TO_VIDEO_MAX_IMAGES = 2;
