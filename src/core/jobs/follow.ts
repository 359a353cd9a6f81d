/**
 * Following jobs at Oxen: the completion stream is the main signal; polling each job with
 * backoff is the safety net (faster while the stream is down). News about a generation is
 * saved, shown, and a success handed to delivery.
 */
import type { CompletionEvent, QueueGeneration } from '../oxen/types.js';
import { TERMINAL_STATUSES } from '../oxen/types.js';
import type { EngineContext } from './context.js';
import type { GenerationRecord, JobRecord } from './job.js';

export class Follower {
  /** When each job is next polled, and the delay that got it there (for backoff). */
  readonly nextPoll = new Map<string, { at: number; delay: number }>();
  pollsInFlight = 0;

  constructor(private readonly ctx: EngineContext) {}

  forget(id: string): void {
    this.nextPoll.delete(id);
  }

  /** The stream (re)connected: nothing is replayed, so whatever ended meanwhile is found by polling now. */
  onStreamConnected(): void {
    for (const id of this.ctx.tracked.keys()) this.pollSoon(id, 0);
  }

  onCompletion(event: CompletionEvent): void {
    const ctx = this.ctx;
    const id = ctx.byGeneration.get(event.generation_id);
    if (!id) return;
    void ctx
      .withJob(id, async () => {
        const job = ctx.tracked.get(id);
        const generation = job?.generations.find((g) => g.id === event.generation_id);
        if (!job || !generation) return;
        await this.apply(job, generation, { status: event.status, result_url: event.url ?? null, error_message: event.error ?? null });
      })
      .catch((error) => ctx.report(error, 'event', id));
  }

  /** Starts the poll of a job when it is due (called by the tick); false when not due or capped. */
  pollIfDue(id: string, now: number): boolean {
    const ctx = this.ctx;
    const due = this.nextPoll.get(id);
    // A cap on polls under way: after a restart or a reconnect every job is due at once, and
    // 10,000 requests in one burst stall the event loop for a second. The rest wait a tick.
    if (!due || due.at > now || this.pollsInFlight >= ctx.settings.maxConcurrentPolls) return false;
    this.nextPoll.set(id, { at: now + this.backoff(due.delay), delay: this.backoff(due.delay) });
    this.pollsInFlight++;
    void ctx
      .withJob(id, () => this.poll(id))
      .catch((error) => {
        ctx.report(error, 'poll', id);
        this.pollSoon(id, this.backoff(due.delay));
      })
      .finally(() => this.pollsInFlight--);
    return true;
  }

  private async poll(id: string): Promise<void> {
    const ctx = this.ctx;
    const job = ctx.tracked.get(id);
    if (!job) return;
    if (job.state === 'submitting') {
      await ctx.launcher.resumeHalfSubmitted(job);
      return;
    }
    for (const generation of job.generations) {
      if (TERMINAL_STATUSES.includes(generation.status)) {
        if (generation.status === 'succeeded' && generation.delivery === 'pending') void ctx.deliveries.deliver(job, generation);
        continue;
      }
      const answer = await ctx.deps.oxen.getGeneration(generation.id);
      await this.apply(job, generation, answer);
    }
    // The next poll is already set: backed off by the tick that started this one, or back to
    // pollMinMs by apply() when there was news. (Setting it to pollMinMs here again undid the
    // backoff: every job was polled every 15 s for as long as it ran.)
  }

  private async apply(job: JobRecord, generation: GenerationRecord, answer: Pick<QueueGeneration, 'status' | 'result_url' | 'error_message'>): Promise<void> {
    const ctx = this.ctx;
    const changed = generation.status !== answer.status;
    if (!changed && !(answer.status === 'succeeded' && generation.delivery === 'pending')) return;
    generation.status = answer.status;
    if (answer.result_url) generation.resultUrl = answer.result_url;
    if (answer.error_message) generation.error = answer.error_message;
    if (answer.status === 'processing' && !job.startedAt) job.startedAt = ctx.settings.now();
    if (answer.status === 'succeeded' && generation.succeededAt === undefined) generation.succeededAt = ctx.settings.now();
    this.nextPoll.set(job.id, { at: ctx.settings.now() + ctx.settings.pollMinMs, delay: ctx.settings.pollMinMs });
    await ctx.save(job);
    await ctx.status.show(job, changed);
    if (answer.status === 'succeeded') void ctx.deliveries.deliver(job, generation);
    else if (TERMINAL_STATUSES.includes(answer.status)) await ctx.finisher.maybeFinish(job);
  }

  pollSoon(id: string, inMs = this.ctx.streamUp ? this.ctx.settings.pollMinMs : this.ctx.settings.pollWithoutStreamMs): void {
    this.nextPoll.set(id, { at: this.ctx.settings.now() + inMs, delay: Math.max(inMs, this.ctx.settings.pollWithoutStreamMs) });
  }

  private backoff(delay: number): number {
    const s = this.ctx.settings;
    if (!this.ctx.streamUp) return s.pollWithoutStreamMs;
    return Math.min(s.pollMaxMs, Math.max(s.pollMinMs, Math.round(delay * 1.5)));
  }
}
