/**
 * Ownership: each followed job is a lease in the store, renewed regularly. A job whose lease
 * another instance took is let go; an active job nobody holds (at start-up, or when an
 * instance died) is adopted.
 */
import type { EngineContext } from './context.js';
import { jobLease } from './context.js';
import { isTerminal } from './job.js';

export class Takeover {
  constructor(private readonly ctx: EngineContext) {}

  async renewAndTakeOver(): Promise<void> {
    const ctx = this.ctx;
    const ids = [...ctx.tracked.keys()];
    const held = await ctx.deps.store.acquireLeases(ids.map(jobLease), ctx.settings.instanceId, ctx.settings.leaseTtlMs);
    ids.forEach((id, i) => {
      // Another instance took it (we were too slow to renew): stop acting on it.
      if (!held[i]) ctx.untrack(id);
    });
    await this.takeOver();
    void ctx.admission.dispatch();
  }

  /** Adopts every active job nobody holds: at start-up, and when an instance died. */
  async takeOver(): Promise<void> {
    const ctx = this.ctx;
    const ids = (await ctx.deps.store.activeIds()).filter((id) => !ctx.tracked.has(id) && !ctx.admitting.has(id));
    if (ids.length === 0) return;
    const held = await ctx.deps.store.acquireLeases(ids.map(jobLease), ctx.settings.instanceId, ctx.settings.leaseTtlMs);
    const mine = ids.filter((_, i) => held[i]);
    for (let i = 0; i < mine.length; i += 200) {
      await Promise.all(mine.slice(i, i + 200).map((id) => this.adopt(id)));
    }
  }

  private async adopt(id: string): Promise<void> {
    const ctx = this.ctx;
    const job = await ctx.deps.store.get(id);
    // Admitted (or adopted) while the record was being read: already followed.
    if (!job || ctx.tracked.has(id) || ctx.admitting.has(id)) return;
    if (isTerminal(job.state)) {
      await ctx.deps.store.put(job); // drops a stale index entry
      await ctx.deps.store.releaseLease(jobLease(id), ctx.settings.instanceId);
      return;
    }
    ctx.track(job);
    if (job.state === 'waiting') ctx.admission.enqueue(job);
    else ctx.follower.pollSoon(id, 0);
  }
}
