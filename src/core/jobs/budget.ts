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
  /** Each person's share of the same day in the same scope (the server's settings). */
  personVideoSecondsPerDay?: number;
  personUsdPerDay?: number;
}

const TWO_DAYS_MS = 2 * 86_400_000;

export const budgetDay = (now: number) => new Date(now).toISOString().slice(0, 10);

export const budgetCounter = (job: { requester: Requester; reservation: { day: string } }, unit: 'seconds' | 'usd') =>
  `budget:${job.requester.platform}:${job.requester.scopeId}:${job.reservation.day}:${unit}`;

/** The person's own counters, beside the scope's: `budget:<platform>:<scope>:person:<user>:<day>:<unit>`. */
export const personCounter = (job: { requester: Requester; reservation: { day: string } }, unit: 'seconds' | 'usd') =>
  `budget:${job.requester.platform}:${job.requester.scopeId}:person:${job.requester.userId}:${job.reservation.day}:${unit}`;

/** A reservation counted in the person's counters too (jobs reserved before they existed are not). */
type Owner = { requester: Requester; reservation: { day: string; person?: boolean } };

export type Reservation = { granted: true } | { granted: false; unit: 'seconds' | 'usd'; used: number; limit: number; person?: true };

/**
 * Holds the estimate against today's allowance of the scope, then of the person; nothing is held
 * when either would not fit. The reservation is marked as counted per person (giveBack reads it).
 */
export async function reserveBudget(store: JobStore, owner: Owner, estimate: CostEstimate, limits: BudgetLimits): Promise<Reservation> {
  const scope = await reserveIn(store, (unit) => budgetCounter(owner, unit), estimate, limits.videoSecondsPerDay, limits.usdPerDay);
  if (!scope.granted) return scope;
  const person = await reserveIn(store, (unit) => personCounter(owner, unit), estimate, limits.personVideoSecondsPerDay, limits.personUsdPerDay);
  if (!person.granted) {
    await giveBackIn(store, (unit) => budgetCounter(owner, unit), { videoSeconds: estimate.videoSeconds, usd: estimate.usd ?? 0 });
    return { ...person, person: true };
  }
  owner.reservation.person = true;
  return { granted: true };
}

async function reserveIn(store: JobStore, counter: (unit: 'seconds' | 'usd') => string, estimate: CostEstimate, seconds: number | undefined, usd: number | undefined): Promise<Reservation> {
  if (seconds !== undefined) {
    const held = await store.reserve(counter('seconds'), estimate.videoSeconds, seconds, TWO_DAYS_MS);
    if (!held.granted) return { granted: false, unit: 'seconds', used: held.used, limit: seconds };
  } else {
    // No limit, but the counter is still shown in /metrics and App Home: it expires like a limited one.
    await store.adjust(counter('seconds'), estimate.videoSeconds, TWO_DAYS_MS);
  }
  if (estimate.usd !== undefined) {
    if (usd !== undefined) {
      const held = await store.reserve(counter('usd'), estimate.usd, usd, TWO_DAYS_MS);
      if (!held.granted) {
        await store.adjust(counter('seconds'), -estimate.videoSeconds, TWO_DAYS_MS);
        return { granted: false, unit: 'usd', used: held.used, limit: usd };
      }
    } else {
      // Counted without a limit too, so that a refund (giveBack) never takes it below zero.
      await store.adjust(counter('usd'), estimate.usd, TWO_DAYS_MS);
    }
  }
  return { granted: true };
}

/** Returns held allowance to the scope's counters (a refund, or a job that never started). */
export async function giveBack(store: JobStore, owner: Owner, amount: { videoSeconds: number; usd: number }): Promise<void> {
  await giveBackIn(store, (unit) => budgetCounter(owner, unit), amount);
  if (owner.reservation.person) await giveBackIn(store, (unit) => personCounter(owner, unit), amount);
}

async function giveBackIn(store: JobStore, counter: (unit: 'seconds' | 'usd') => string, amount: { videoSeconds: number; usd: number }): Promise<void> {
  if (amount.videoSeconds > 0) await store.adjust(counter('seconds'), -amount.videoSeconds, TWO_DAYS_MS);
  if (amount.usd > 0) await store.adjust(counter('usd'), -amount.usd, TWO_DAYS_MS);
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
