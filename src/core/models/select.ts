/** Which Seedance model serves a request: the tier and mode asked for, or chosen from the request. */
import { DEFAULT_VERSION, type GenerationOptions, type Mode, type Tier } from '../request.js';
import type { ReferenceKind } from '../references/types.js';
import { DEFAULT_TIER, modelOf, tiersOffering, type CatalogEntry } from './catalog.js';

/**
 * requested: named by the user; default: DEFAULT_TIER; resolution: the only tiers offering it;
 * version: the version has one tier (2.5).
 */
export type TierReason = 'requested' | 'default' | 'resolution' | 'version';
/**
 * requested: named by the user; no_references: nothing attached; frames: first/last frame asked
 * for with nothing but images; references: anything else attached.
 */
export type ModeReason = 'requested' | 'no_references' | 'frames' | 'references';

export interface Selection {
  model: CatalogEntry;
  tierReason: TierReason;
  modeReason: ModeReason;
}

export type SelectionOptions = Pick<GenerationOptions, 'tier' | 'mode' | 'resolution' | 'frames' | 'version'>;

/**
 * Chooses the model. It never refuses: a model that cannot take the request is refused with
 * reasons when the request is checked against it (see checkRequest).
 */
export function selectModel(options: SelectionOptions, media: readonly { kind: ReferenceKind }[]): Selection {
  const version = options.version ?? DEFAULT_VERSION;
  const [tier, tierReason] = version === '2.0' ? chooseTier(options) : [DEFAULT_TIER, 'version' as const];
  const [mode, modeReason] = chooseMode(options, media);
  return { model: modelOf(version, tier, mode), tierReason, modeReason };
}

function chooseTier(options: SelectionOptions): [Tier, TierReason] {
  if (options.tier !== 'auto') return [options.tier, 'requested'];
  const offering = options.resolution ? tiersOffering(options.resolution) : [];
  if (options.resolution && !offering.includes(DEFAULT_TIER) && offering[0]) return [offering[0], 'resolution'];
  return [DEFAULT_TIER, 'default'];
}

function chooseMode(options: SelectionOptions, media: readonly { kind: ReferenceKind }[]): [Mode, ModeReason] {
  if (options.mode !== 'auto') return [options.mode, 'requested'];
  const onlyImages = media.every((m) => m.kind === 'image');
  // Frames asked for with nothing but images (or nothing at all) mean image-to-video, even when
  // the count is wrong: the person then hears what image-to-video needs, instead of their
  // frames being dropped by another mode.
  if (options.frames !== 'off' && onlyImages) return ['image', 'frames'];
  if (media.length === 0) return ['text', 'no_references'];
  return ['reference', 'references'];
}
