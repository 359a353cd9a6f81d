/** Which Seedance model serves a request: the tier and mode asked for, or chosen from the request. */
import type { GenerationOptions, Mode, Tier } from '../request.js';
import type { ReferenceKind } from '../references/types.js';
import { DEFAULT_TIER, modelFor, tiersOffering, type CatalogEntry } from './catalog.js';

/** requested: named by the user; default: DEFAULT_TIER; resolution: the only tiers offering it. */
export type TierReason = 'requested' | 'default' | 'resolution';
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

export type SelectionOptions = Pick<GenerationOptions, 'tier' | 'mode' | 'resolution' | 'frames'>;

/**
 * Chooses the model. It never refuses: a model that cannot take the request is refused with
 * reasons when the request is checked against it (see checkRequest).
 */
export function selectModel(options: SelectionOptions, media: readonly { kind: ReferenceKind }[]): Selection {
  const [tier, tierReason] = chooseTier(options);
  const [mode, modeReason] = chooseMode(options, media);
  return { model: modelFor(tier, mode), tierReason, modeReason };
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
