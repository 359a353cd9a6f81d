/**
 * What a request may cost, for the budget to reserve before anything is enqueued. Oxen bills
 * Seedance per second of output; where the rate is ambiguous the estimate errs high.
 */
import type { Pricing, RequestSchema } from '../oxen/types.js';
import type { CatalogEntry } from './catalog.js';
import { allowedDurations } from './encode.js';
import type { EffectiveSettings } from './translate.js';

/**
 * Auto lets the model choose up to its longest duration, so a reservation assumes the longest:
 * 15 s for 2.0 (the default when the model is not known), 30 s for 2.5.
 */
export const AUTO_DURATION_WORST_CASE_SEC = 15;

/** The longest a model makes: what its schema's durations allow, else what the catalog knows. */
export function longestDuration(model: Pick<CatalogEntry, 'limits'>, schema?: RequestSchema): number {
  const property = schema?.properties['duration'];
  const listed = property ? allowedDurations(property).filter((d): d is number => typeof d === 'number') : [];
  return listed.length > 0 ? Math.max(...listed) : Math.max(...model.limits.durations);
}

const HIGH_RESOLUTIONS: readonly string[] = ['1080p', '4k'];

export interface CostInput {
  pricing?: Pricing | null;
  /** undefined: not known, so the dearest listed rate is assumed. */
  resolution?: string;
  audio: boolean;
  duration: 'auto' | number;
  count: number;
  /** What 'auto' is costed as (the model's longest); default AUTO_DURATION_WORST_CASE_SEC. */
  autoSec?: number;
}

export interface CostEstimate {
  /** Seconds of video billed across all generations. */
  videoSeconds: number;
  /** undefined when the model's pricing is unknown. */
  usd?: number;
}

export function estimateCost(input: CostInput): CostEstimate {
  const perGeneration = input.duration === 'auto' ? (input.autoSec ?? AUTO_DURATION_WORST_CASE_SEC) : input.duration;
  const videoSeconds = perGeneration * input.count;
  const rate = input.pricing ? ratePerSecond(input.pricing, input.resolution, input.audio) : undefined;
  if (rate === undefined) return { videoSeconds };
  return { videoSeconds, usd: Math.round(rate * videoSeconds * 1e6) / 1e6 };
}

/** The estimate for what checkRequest/translateRequest said the model will make. */
export function estimateCostOf(settings: EffectiveSettings, pricing?: Pricing | null, autoSec?: number): CostEstimate {
  return estimateCost({ pricing, resolution: settings.resolution, audio: settings.audio, duration: settings.duration, count: settings.count, ...(autoSec !== undefined ? { autoSec } : {}) });
}

/** USD per output second, or undefined when the pricing names no rate. */
export function ratePerSecond(pricing: Pricing, resolution: string | undefined, audio: boolean): number | undefined {
  const base = baseRate(pricing, resolution);
  const withAudio = audio ? (pricing.cost_per_second_with_audio ?? undefined) : undefined;
  const rates = [base, withAudio].filter((r): r is number => r !== undefined);
  return rates.length > 0 ? Math.max(...rates) : undefined;
}

function baseRate(pricing: Pricing, resolution: string | undefined): number | undefined {
  const byResolution = pricing.cost_per_second_by_resolution ?? {};
  const listed = resolution !== undefined ? byResolution[resolution] : undefined;
  if (listed !== undefined) return listed;
  const candidates = [
    pricing.cost_per_second ?? undefined,
    resolution === undefined || HIGH_RESOLUTIONS.includes(resolution) ? (pricing.cost_per_second_high_res ?? undefined) : undefined,
    // A resolution the table does not list (or none given) may cost as much as any it does.
    ...Object.values(byResolution),
  ].filter((r): r is number => r !== undefined);
  return candidates.length > 0 ? Math.max(...candidates) : undefined;
}
