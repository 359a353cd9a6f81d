/**
 * The Seedance 2.0 and 2.5 families on Oxen: one entry per model, and the facts about versions, tiers and modes that
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
  VERSIONS,
  DEFAULT_VERSION,
  type AspectRatio,
  type Mode,
  type Resolution,
  type Tier,
  type Version,
} from '../request.js';
import type { ReferenceKind } from '../references/types.js';
import { DURATIONS_2_0, DURATIONS_2_5, schema2_5, todaysSchema } from './fallback-schemas.js';
import { REFERENCE_LIMITS as FILE_LIMITS, referenceLimitsFor } from '../references/limits.js';

/** What one model takes, whatever its schema says: references per kind (reference-to-video) and lengths. */
export interface ModelLimits {
  readonly references: Readonly<Record<ReferenceKind, number> & { total: number }>;
  /** The whole seconds it makes; the longest is what 'auto' is costed as. */
  readonly durations: readonly number[];
}

export interface CatalogEntry {
  /** Oxen model id, e.g. bytedance-seedance-2-0-fast-text-to-video. */
  readonly id: string;
  readonly version: Version;
  /** 2.0 only: 2.5 has one tier. */
  readonly tier?: Tier;
  readonly mode: Mode;
  readonly displayName: string;
  /** Used when the live request_schema is unavailable. */
  readonly fallbackSchema: RequestSchema;
  readonly limits: ModelLimits;
}

export const VERSION_NAMES: Readonly<Record<Version, string>> = { '2.0': 'Seedance 2.0', '2.5': 'Seedance 2.5' };

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

const limitsOf = (version: Version): ModelLimits => {
  const files = referenceLimitsFor(version);
  return {
    references: { image: files.images.maxCount, video: files.videos.maxCount, audio: files.audios.maxCount, total: files.maxFiles },
    durations: version === '2.5' ? DURATIONS_2_5 : DURATIONS_2_0,
  };
};

const entry = (id: string, tier: Tier, mode: Mode): CatalogEntry => ({
  id,
  version: '2.0',
  tier,
  mode,
  displayName: `Seedance 2.0 ${TIER_NAMES[tier]} - ${MODE_NAMES[mode]}`,
  fallbackSchema: todaysSchema(mode, RESOLUTIONS_BY_TIER[tier]),
  limits: limitsOf('2.0'),
});

const entry2_5 = (id: string, mode: Mode): CatalogEntry => ({
  id,
  version: '2.5',
  mode,
  displayName: `Seedance 2.5 - ${MODE_NAMES[mode]}`,
  fallbackSchema: schema2_5(mode),
  limits: limitsOf('2.5'),
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
  entry2_5('bytedance-seedance-2-5-text-to-video', 'text'),
  entry2_5('bytedance-seedance-2-5-image-to-video', 'image'),
  entry2_5('bytedance-seedance-2-5-reference-to-video', 'reference'),
];

export function findModel(id: string): CatalogEntry | undefined {
  return catalog.find((m) => m.id === id);
}

/** A Seedance 2.0 model. */
export function modelFor(tier: Tier, mode: Mode): CatalogEntry {
  const found = catalog.find((m) => m.version === '2.0' && m.tier === tier && m.mode === mode);
  if (!found) throw new Error(`catalog has no ${tier} ${mode} model`);
  return found;
}

/** The model of this version and mode (the tier counts for 2.0 only). */
export function modelOf(version: Version, tier: Tier, mode: Mode): CatalogEntry {
  if (version === '2.0') return modelFor(tier, mode);
  const found = catalog.find((m) => m.version === version && m.mode === mode);
  if (!found) throw new Error(`catalog has no ${version} ${mode} model`);
  return found;
}

export function versionChoices(): Choice<Version>[] {
  return VERSIONS.map((v) => ({ name: `${VERSION_NAMES[v]}${v === DEFAULT_VERSION ? ' (default)' : ''}`, value: v }));
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

/** 'auto' then every whole second some model takes (each model's schema says which it takes). */
export function durationChoices(): ('auto' | number)[] {
  const seconds = new Set(catalog.flatMap((m) => m.limits.durations));
  return ['auto', ...[...seconds].sort((a, b) => a - b)];
}

/** "4-15 s (2.0), 4, 5, 6, 8 … 30 s (2.5)": what each version takes, for help texts. */
export function durationsByVersion(): string {
  return VERSIONS.map((v) => {
    const d = catalog.find((m) => m.version === v)!.limits.durations;
    const consecutive = d.every((s, i) => i === 0 || s === d[i - 1]! + 1);
    return `${consecutive ? `${d[0]}-${d[d.length - 1]}` : d.join(', ')} s (${v})`;
  }).join('; ');
}

/**
 * Seedance 2.0 reference-to-video counts (each model has its own in `limits`), from the one table of documented limits (references/limits.ts).
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
