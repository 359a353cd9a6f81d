/**
 * Money in a job's messages, the same words on every platform: the estimate shown before anything
 * is spent (what the budget reserved: seconds × the model's rate, auto counted as its longest), and
 * what Oxen reports it charged once the job ended, or that it is unknown.
 */
import { chargedUsd } from './jobs/costs.js';
import type { GenerationRecord, JobRecord } from './jobs/job.js';

export const dollars = (usd: number) => `$${usd < 10 ? usd.toFixed(2) : usd.toFixed(0)}`;

/** "Estimate: up to $2.40 (15 s of video)"; the price may be unknown (no pricing from Oxen). */
export function estimateText(job: Pick<JobRecord, 'reservation' | 'settings' | 'request'>): string {
  const { videoSeconds, usd } = job.reservation;
  const auto = (job.settings?.duration ?? job.request.options.duration) === 'auto';
  const seconds = `${videoSeconds} s of video${auto ? ', counting auto as the longest' : ''}`;
  return usd === undefined ? `Estimate: ${seconds} (Oxen gave no price)` : `Estimate: ${auto ? 'up to ' : ''}${dollars(usd)} (${seconds})`;
}

/** "Cost: $0.80 (as Oxen reports it)", or unknown; undefined while no video was made and checked. */
export function chargedText(job: Pick<JobRecord, 'generations'>): string | undefined {
  const made = job.generations.filter((g) => g.status === 'succeeded');
  if (made.length === 0 || made.every((g) => g.cost === undefined && !g.costUnknown)) return undefined;
  const usd = chargedUsd(job);
  return usd === undefined ? 'Cost unknown: Oxen did not say what it charged' : `Cost: ${dollars(usd)} (as Oxen reports it)`;
}

/** One video's own charge, for the message that delivered it; undefined while it was not looked up. */
export function generationCostText(generation: Pick<GenerationRecord, 'cost' | 'costUnknown'>): string | undefined {
  const usd = generation.cost === undefined ? NaN : Number(generation.cost);
  if (Number.isFinite(usd)) return `Cost: ${dollars(usd)} (as Oxen reports it)`;
  return generation.cost !== undefined || generation.costUnknown ? 'Cost unknown: Oxen did not say what it charged' : undefined;
}

/** The money line of a status message: the estimate while it runs, the charge once known. */
export function moneyLine(job: Pick<JobRecord, 'reservation' | 'settings' | 'request' | 'generations'>): string {
  return chargedText(job) ?? estimateText(job);
}
