/**
 * Daily allowances per guild or workspace, in video-seconds and, where the price is known,
 * dollars. A job's estimate is reserved atomically before it is enqueued and settled exactly once
 * when it ends: what Oxen did not make (failed, cancelled before it was made) is given back.
 */
import type { CostEstimate } from '../models/cost.js';
import type { JobRecord, Requester } from './job.js';
import type { JobStore } from './store.js';

export interface BudgetLimits {
  videoSecondsPerDay?: number;
  usdPerDay?: number;
}

const TWO_DAYS_MS = 2 * 86_400_000;

export const budgetDay = (now: number) => new Date(now).toISOString().slice(0, 10);

export const budgetCounter = (job: { requester: Requester; reservation: { day: string } }, unit: 'seconds' | 'usd') =>
  `budget:${job.requester.platform}:${job.requester.scopeId}:${job.reservation.day}:${unit}`;

export type Reservation = { granted: true } | { granted: false; unit: 'seconds' | 'usd'; used: number; limit: number };

/** Holds the estimate against today's allowance; nothing is held when it would not fit. */
export async function reserveBudget(
  store: JobStore,
  owner: { requester: Requester; reservation: { day: string } },
  estimate: CostEstimate,
  limits: BudgetLimits,
): Promise<Reservation> {
  const seconds = limits.videoSecondsPerDay;
  if (seconds !== undefined) {
    const held = await store.reserve(budgetCounter(owner, 'seconds'), estimate.videoSeconds, seconds, TWO_DAYS_MS);
    if (!held.granted) return { granted: false, unit: 'seconds', used: held.used, limit: seconds };
  } else {
    // No limit, but the counter is still shown in /metrics: it expires like a limited one.
    await store.adjust(budgetCounter(owner, 'seconds'), estimate.videoSeconds, TWO_DAYS_MS);
  }
  if (limits.usdPerDay !== undefined && estimate.usd !== undefined) {
    const held = await store.reserve(budgetCounter(owner, 'usd'), estimate.usd, limits.usdPerDay, TWO_DAYS_MS);
    if (!held.granted) {
      await store.adjust(budgetCounter(owner, 'seconds'), -estimate.videoSeconds, TWO_DAYS_MS);
      return { granted: false, unit: 'usd', used: held.used, limit: limits.usdPerDay };
    }
  }
  return { granted: true };
}

/** Returns held allowance to the scope's counters (a refund, or a job that never started). */
export async function giveBack(
  store: JobStore,
  owner: { requester: Requester; reservation: { day: string } },
  amount: { videoSeconds: number; usd: number },
): Promise<void> {
  if (amount.videoSeconds > 0) await store.adjust(budgetCounter(owner, 'seconds'), -amount.videoSeconds, TWO_DAYS_MS);
  if (amount.usd > 0) await store.adjust(budgetCounter(owner, 'usd'), -amount.usd, TWO_DAYS_MS);
}

/**
 * What a finished job gives back: the share of every generation that did not succeed. A video
 * Oxen made was paid for there, so it stays counted whatever became of it afterwards (a delivery
 * given up, a cancel after it was made).
 */
export function refundShare(job: JobRecord): { videoSeconds: number; usd: number } {
  const count = Math.max(1, Number(job.body['num_generations'] ?? job.request.options.count));
  const succeeded = Math.min(count, job.generations.filter((g) => g.status === 'succeeded').length);
  const share = (count - succeeded) / count;
  return { videoSeconds: job.reservation.videoSeconds * share, usd: (job.reservation.usd ?? 0) * share };
}

/** Longer than any budget counter lives (COUNTER_TTL_MS): a refund can never land twice in one. */
const SETTLEMENT_MARK_TTL_MS = 3 * 86_400_000;
/** A counter that goes from 0 to 1 once: the job's settlement mark. */
export const settlementMark = (jobId: string) => `settled:${jobId}`;

/**
 * Settles a job's reservation exactly once, across instances and restarts: the first caller takes
 * a once-only mark in the store and gives the refund back; every later caller, here or on another
 * instance, gives nothing. The mark is a counter capped at 1 (store.reserve, atomic on both
 * backends, written beside the budget counters: on SQLite through the same connection, so the hot
 * path takes no second lock). It comes first, so a crash between the two loses a refund rather
 * than paying it twice. True when this call gave the refund.
 */
export async function settleOnce(store: JobStore, job: JobRecord): Promise<boolean> {
  if (job.reservation.settled) return false;
  const first = (await store.reserve(settlementMark(job.id), 1, 1, SETTLEMENT_MARK_TTL_MS)).granted;
  job.reservation.settled = true;
  if (first) await giveBack(store, job, refundShare(job));
  return first;
}
