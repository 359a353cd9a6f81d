/**
 * Following jobs at Oxen: the completion stream is the main signal; the safety net
 * (safety-net.ts) lists all of this bot's jobs at once. News about a generation, from either, is
 * applied here: saved, shown, and a success handed to delivery. A job can also be looked at again
 * on its own (`pollSoon`): a half-submitted one found after a crash, or one with a delivery due.
 */
import type { CompletionEvent, QueueGeneration } from '../oxen/types.js';
import { TERMINAL_STATUSES } from '../oxen/types.js';
import type { EngineContext } from './context.js';
import type { GenerationRecord, JobRecord } from './job.js';

export type GenerationNews = Pick<QueueGeneration, 'status' | 'result_url' | 'error_message'>;

export class Follower {
  /** Jobs to look at again on their own, and when. */
  private readonly recheckAt = new Map<string, number>();

  constructor(private readonly ctx: EngineContext) {}

  forget(id: string): void {
    this.recheckAt.delete(id);
  }

  onCompletion(event: CompletionEvent): void {
    this.report(event.generation_id, { status: event.status, result_url: event.url ?? null, error_message: event.error ?? null });
  }

  /** News of one generation (from the stream or a listing), applied under its job's lock. */
  report(generationId: string, news: GenerationNews): Promise<void> {
    const ctx = this.ctx;
    const id = ctx.byGeneration.get(generationId);
    if (!id) return Promise.resolve();
    return ctx
      .withJob(id, async () => {
        const job = ctx.tracked.get(id);
        const generation = job?.generations.find((g) => g.id === generationId);
        if (!job || !generation) return;
        await this.apply(job, generation, news);
      })
      .catch((error) => ctx.report(error, 'event', id));
  }

  /** Looks at the job again in `inMs` (by default after the wait used while the stream is down). */
  pollSoon(id: string, inMs = this.ctx.settings.pollWithoutStreamMs): void {
    this.recheckAt.set(id, this.ctx.settings.now() + inMs);
  }

  /** Starts the look at a job when it is due (called by the tick); false when not due. */
  pollIfDue(id: string, now: number): boolean {
    const at = this.recheckAt.get(id);
    if (at === undefined || at > now) return false;
    this.recheckAt.delete(id);
    const ctx = this.ctx;
    void ctx.withJob(id, () => this.recheck(id)).catch((error) => {
      ctx.report(error, 'poll', id);
      this.pollSoon(id);
    });
    return true;
  }

  private async recheck(id: string): Promise<void> {
    const ctx = this.ctx;
    const job = ctx.tracked.get(id);
    if (!job) return;
    if (job.state === 'submitting') {
      await ctx.launcher.resumeHalfSubmitted(job);
      return;
    }
    if (job.state !== 'running') return;
    for (const generation of job.generations) {
      if (generation.status === 'succeeded' && generation.delivery === 'pending') void ctx.deliveries.deliver(job, generation);
    }
    // Everything about it ended, but its ending was not saved (a store failure, a crash): end it now.
    await ctx.finisher.maybeFinish(job);
    // Where the open ones stand is the safety net's to find, for all jobs in one listing.
    if (job.generations.some((g) => !TERMINAL_STATUSES.includes(g.status))) ctx.safetyNet.soon();
  }

  private async apply(job: JobRecord, generation: GenerationRecord, answer: GenerationNews): Promise<void> {
    const ctx = this.ctx;
    const changed = generation.status !== answer.status;
    if (!changed && !(answer.status === 'succeeded' && generation.delivery === 'pending')) return;
    generation.status = answer.status;
    if (answer.result_url) generation.resultUrl = answer.result_url;
    if (answer.error_message) generation.error = answer.error_message;
    if (answer.status === 'processing' && !job.startedAt) job.startedAt = ctx.settings.now();
    if (answer.status === 'succeeded' && generation.succeededAt === undefined) generation.succeededAt = ctx.settings.now();
    await ctx.save(job);
    // The upload starts first: a status edit must never hold it up.
    if (answer.status === 'succeeded') void ctx.deliveries.deliver(job, generation);
    // Not awaited: a slow edit (a rate-limited platform) must not hold this job's lock, and with it
    // the next news of the job (its video being ready). Edits of one message keep their order (status.ts).
    void ctx.status.show(job, changed);
    if (answer.status !== 'succeeded' && TERMINAL_STATUSES.includes(answer.status)) await ctx.finisher.maybeFinish(job);
  }
}
