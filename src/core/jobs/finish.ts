/**
 * Ending a job: when every generation has ended and every success is delivered (or on cancel,
 * failure or deadline), settle the budget, free the slots and files, tell the person, let it go.
 */
import { OxenError } from '../oxen/errors.js';
import { TERMINAL_STATUSES } from '../oxen/types.js';
import { giveBack, refundShare } from './budget.js';
import type { EngineContext } from './context.js';
import { INFLIGHT, jobLease, userSet } from './context.js';
import type { JobRecord } from './job.js';
import { isTerminal } from './job.js';

export type EndState = 'done' | 'failed' | 'cancelled' | 'timed_out';

export class Finisher {
  constructor(private readonly ctx: EngineContext) {}

  /** Ends the job when nothing about it is open any more. */
  async maybeFinish(job: JobRecord): Promise<void> {
    if (isTerminal(job.state)) return;
    const open = job.generations.some((g) => !TERMINAL_STATUSES.includes(g.status) || (g.status === 'succeeded' && g.delivery === 'pending'));
    if (open || job.generations.length === 0) return;
    const succeeded = job.generations.some((g) => g.status === 'succeeded');
    const allCancelled = job.generations.every((g) => g.status === 'cancelled');
    if (!succeeded && !allCancelled && !job.failure) {
      const reason = job.generations.find((g) => g.error)?.error;
      job.failure = { code: 'oxen.generation_failed', ...(reason ? { detail: reason } : {}) };
    }
    await this.finish(job, succeeded ? 'done' : allCancelled ? 'cancelled' : 'failed');
  }

  /** Ends a job: settles its budget, frees its slots and files, tells the person, lets it go. */
  async finish(job: JobRecord, state: EndState): Promise<void> {
    const ctx = this.ctx;
    const { store } = ctx.deps;
    if (!job.reservation.settled) {
      await giveBack(store, job, refundShare(job, state));
      job.reservation.settled = true;
    }
    job.state = state;
    job.endedAt = ctx.settings.now();
    await ctx.save(job);
    ctx.tell('ended', job);
    await store.leave(INFLIGHT, job.id);
    await store.leave(userSet(job), job.id);
    await ctx.deps.host.release?.(job.id).catch((error: unknown) => ctx.report(error, 'release', job.id));
    await ctx.status.show(job, true);
    ctx.untrack(job.id);
    await store.releaseLease(jobLease(job.id), ctx.settings.instanceId);
    void ctx.admission.dispatch();
  }

  async cancelAtOxen(job: JobRecord): Promise<void> {
    await Promise.all(
      job.generations
        .filter((g) => !TERMINAL_STATUSES.includes(g.status))
        .map((g) =>
          this.ctx.deps.oxen.cancel(g.id).catch((error: unknown) => {
            if (!(error instanceof OxenError && error.code === 'not_found')) this.ctx.report(error, 'cancel', job.id);
          }),
        ),
    );
  }
}
