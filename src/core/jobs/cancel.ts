/**
 * Cancelling a job wherever it is. A job this instance follows is cancelled under its lock. A job
 * another instance owns (or nobody yet) is cancelled at Oxen, and if it is still waiting, ended
 * here; so that a launch on its owner cannot start it at the same moment, both sides take the
 * job's launch gate first (a lease with a fixed holder: 'launch' or 'cancel'), and only one gets it.
 */
import { TERMINAL_STATUSES } from '../oxen/types.js';
import { settleOnce } from './budget.js';
import type { EngineContext } from './context.js';
import { INFLIGHT, userSet } from './context.js';
import type { JobRecord } from './job.js';
import { isTerminal } from './job.js';

export const launchGate = (id: string) => `gate:${id}`;
/** Longer than an enqueue can take: after a crash mid-launch the gate opens again by itself. */
const GATE_TTL_MS = 5 * 60_000;
/** How long a cancel that lost the gate waits for the launch's generation ids, to cancel them at Oxen. */
const WAIT_FOR_LAUNCH_MS = 1_500;

/** Taken by a launch just before it sends the job to Oxen: false when a cancel came first. */
export function openLaunchGate(ctx: EngineContext, id: string): Promise<boolean> {
  return ctx.deps.store.acquireLease(launchGate(id), 'launch', GATE_TTL_MS);
}

export async function cancelJob(ctx: EngineContext, id: string): Promise<JobRecord | undefined> {
  if (ctx.tracked.has(id)) {
    return ctx.withJob(id, async () => {
      const job = ctx.tracked.get(id);
      if (!job || isTerminal(job.state)) return job;
      ctx.admission.forget(id);
      await ctx.finisher.cancelAtOxen(job);
      for (const g of job.generations) if (!TERMINAL_STATUSES.includes(g.status)) g.status = 'cancelled';
      await ctx.finisher.finish(job, 'cancelled');
      return job;
    });
  }
  return cancelElsewhere(ctx, id);
}

/** Owned by another instance (or nobody yet): cancel at Oxen; the owner's poll sees it. */
async function cancelElsewhere(ctx: EngineContext, id: string): Promise<JobRecord | undefined> {
  const { store } = ctx.deps;
  const record = await store.get(id);
  if (!record || isTerminal(record.state)) return record;
  if (record.generations.length > 0 || record.state !== 'waiting') {
    const launched = record.generations.length > 0 ? record : await launchedOrEnded(ctx, id);
    if (launched && !isTerminal(launched.state)) await ctx.finisher.cancelAtOxen(launched);
    return store.get(id);
  }
  if (!(await store.acquireLease(launchGate(id), 'cancel', GATE_TTL_MS))) {
    // Its owner is launching it right now: cancel what reaches Oxen.
    const launched = await launchedOrEnded(ctx, id);
    if (launched && !isTerminal(launched.state)) await ctx.finisher.cancelAtOxen(launched);
    return store.get(id);
  }
  // No launch can start it now (its owner finds the gate taken and ends it as cancelled too).
  const latest = (await store.get(id)) ?? record;
  if (isTerminal(latest.state)) return latest;
  // Settled once across instances: the owner's own ending of it gives nothing back again.
  await settleOnce(store, latest);
  await store.put({ ...latest, state: 'cancelled', endedAt: ctx.settings.now(), reservation: { ...latest.reservation, settled: true } });
  await Promise.all([
    store.leave(userSet(latest), id).catch((error: unknown) => ctx.report(error, 'release.user', id)),
    store.leave(INFLIGHT, id).catch((error: unknown) => ctx.report(error, 'release.inflight', id)),
    ctx.admission.finished(id).catch((error: unknown) => ctx.report(error, 'release.line', id)),
    ctx.deps.host.release?.(id).catch((error: unknown) => ctx.report(error, 'release', id)),
  ]);
  return store.get(id);
}

/** The record once its generation ids are saved (or it ended), waiting a little for a launch under way. */
async function launchedOrEnded(ctx: EngineContext, id: string): Promise<JobRecord | undefined> {
  const until = Date.now() + WAIT_FOR_LAUNCH_MS;
  for (;;) {
    const record = await ctx.deps.store.get(id);
    if (!record || isTerminal(record.state) || record.generations.length > 0 || Date.now() >= until) return record;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
