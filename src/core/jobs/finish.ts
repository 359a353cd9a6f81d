/**
 * Ending a job: when every generation has ended and every success is delivered or given up (or
 * on cancel, failure or deadline), settle the budget once, free the slots and files, tell the
 * person, let it go. Every release is tried whatever became of the others; what still fails is
 * left to the slot repair (repair.ts).
 */
import { classifyGenerationFailure } from '../oxen/failure-kinds.js';
import { OxenError } from '../oxen/errors.js';
import { TERMINAL_STATUSES } from '../oxen/types.js';
import { generationCostText } from '../cost-view.js';
import { settleOnce } from './budget.js';
import type { EngineContext } from './context.js';
import { INFLIGHT, jobLease, userSet } from './context.js';
import type { JobRecord } from './job.js';
import { isTerminal } from './job.js';

export type EndState = 'done' | 'failed' | 'cancelled' | 'timed_out';

export class Finisher {
  /** Jobs whose final save failed, with the timer that tries it again. */
  private readonly retries = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: EngineContext) {}

  /** Ends the job when nothing about it is open any more. */
  async maybeFinish(job: JobRecord): Promise<void> {
    if (isTerminal(job.state)) return;
    const open = job.generations.some((g) => !TERMINAL_STATUSES.includes(g.status) || (g.status === 'succeeded' && g.delivery === 'pending'));
    if (open || job.generations.length === 0) return;
    const delivered = job.generations.some((g) => g.status === 'succeeded' && g.delivery === 'delivered');
    const undeliverable = job.generations.some((g) => g.status === 'succeeded' && g.delivery === 'failed');
    const allCancelled = job.generations.every((g) => g.status === 'cancelled');
    if (!delivered && undeliverable) job.failure = { code: 'job.delivery_failed' };
    else if (!delivered && !allCancelled && !job.failure) {
      const reason = job.generations.find((g) => g.error)?.error;
      job.failure = { code: classifyGenerationFailure(reason), ...(reason ? { detail: reason } : {}) };
    }
    await this.finish(job, delivered ? 'done' : allCancelled ? 'cancelled' : 'failed');
  }

  /** Ends a job: settles its budget, frees its slots and files, tells the person, lets it go. */
  async finish(job: JobRecord, state: EndState): Promise<void> {
    const ctx = this.ctx;
    const { store } = ctx.deps;
    this.clearRetry(job.id);
    // Once per job across instances (a once-only mark in the store): never refunded twice, even
    // when the save below fails and the job is ended again later, here or elsewhere.
    await settleOnce(store, job).catch((error: unknown) => ctx.report(error, 'settle', job.id));
    const before = { state: job.state, endedAt: job.endedAt };
    job.state = state;
    job.endedAt = ctx.settings.now();
    try {
      await ctx.save(job);
    } catch (error) {
      // Not ended in the store: keep the job (and its slots, which the record still accounts
      // for) and try again shortly, rather than leave it half-ended.
      job.state = before.state;
      if (before.endedAt === undefined) delete job.endedAt;
      else job.endedAt = before.endedAt;
      ctx.report(error, 'finish', job.id);
      this.retryLater(job, state);
      return;
    }
    ctx.tell('ended', job);
    await Promise.all([
      store.leave(INFLIGHT, job.id).catch((error: unknown) => ctx.report(error, 'release.inflight', job.id)),
      store.leave(userSet(job), job.id).catch((error: unknown) => ctx.report(error, 'release.user', job.id)),
      ctx.admission.finished(job.id).catch((error: unknown) => ctx.report(error, 'release.line', job.id)),
      ctx.deps.host.release?.(job.id).catch((error: unknown) => ctx.report(error, 'release', job.id)),
    ]);
    // Not awaited: a slow platform must not keep the job followed (status.ts keeps the edits' order).
    void ctx.status.show(job, true);
    ctx.untrack(job.id);
    await store.releaseLease(jobLease(job.id), ctx.settings.instanceId).catch((error: unknown) => ctx.report(error, 'release.lease', job.id));
    void ctx.admission.dispatch();
    if (state === 'done') void this.reportCost(job);
  }

  /**
   * What Oxen charged, once the job has ended and let everything go (a lookup never holds a slot):
   * saved with the job and shown by one more edit of its status message and of each message that
   * delivered a video (jobs/costs.ts batches the lookups of many jobs ending at once).
   */
  private async reportCost(job: JobRecord): Promise<void> {
    const ctx = this.ctx;
    try {
      await ctx.costs.fill(job);
      if (ctx.stopped) return;
      // The job has ended and let its slots go: this save must not wait ahead of deliveries' saves.
      await ctx.save(job, { later: true });
      await Promise.all([ctx.status.show(job, true), this.noteCosts(job)]);
    } catch (error) {
      ctx.report(error, 'cost', job.id);
    }
  }

  /** Each delivered video's own cost on the message that delivered it; a failed edit is only reported. */
  private async noteCosts(job: JobRecord): Promise<void> {
    const port = this.ctx.deps.ports.get(job.destination.platform);
    if (!port?.noteCost) return;
    await Promise.all(
      job.generations
        .filter((g) => g.status === 'succeeded' && g.delivery === 'delivered')
        .map(async (g) => {
          const text = generationCostText(g);
          if (text) await port.noteCost!(job, g, text).catch((error: unknown) => this.ctx.report(error, 'cost.note', job.id));
        }),
    );
  }

  /** Stops the pending retries (at shutdown: the next owner ends those jobs). */
  stop(): void {
    for (const timer of this.retries.values()) clearTimeout(timer);
    this.retries.clear();
  }

  private retryLater(job: JobRecord, state: EndState): void {
    const ctx = this.ctx;
    if (ctx.stopped || this.retries.has(job.id)) return;
    const timer = setTimeout(() => {
      this.retries.delete(job.id);
      if (ctx.stopped || ctx.tracked.get(job.id) !== job) return;
      void ctx.withJob(job.id, () => (isTerminal(job.state) ? Promise.resolve() : this.finish(job, state))).catch((error) => ctx.report(error, 'finish', job.id));
    }, ctx.settings.pollWithoutStreamMs);
    timer.unref();
    this.retries.set(job.id, timer);
  }

  private clearRetry(id: string): void {
    const timer = this.retries.get(id);
    if (timer) clearTimeout(timer);
    this.retries.delete(id);
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
