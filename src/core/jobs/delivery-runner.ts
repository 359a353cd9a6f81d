/**
 * Runs deliveries of finished generations (one at a time per generation), reports each outcome,
 * ends the job when nothing is left open (also when a delivery was given up), and at shutdown
 * lets uploads finish within a grace period before cutting them off and giving their claims back.
 * A failed attempt is tried again at the time delivery.ts set (backoff saved with the generation),
 * by a timer here: not by the polls, which stop for a job past its deadline.
 */
import type { EngineContext } from './context.js';
import { DeliveryFailed, deliverGeneration, deliveryLease } from './delivery.js';
import type { GenerationRecord, JobRecord } from './job.js';

export class DeliveryRunner {
  private readonly running = new Map<string, { done: Promise<void>; abort: AbortController }>();
  /** Generations waiting for their next attempt, by id. */
  private readonly later = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: EngineContext) {}

  /** Uploads under way on this instance. */
  get size(): number {
    return this.running.size;
  }

  async deliver(job: JobRecord, generation: GenerationRecord): Promise<void> {
    if (this.ctx.stopped || this.running.has(generation.id) || this.later.has(generation.id)) return;
    const wait = (generation.nextDeliveryAt ?? 0) - this.ctx.settings.now();
    if (wait > 0) {
      this.retryLater(job, generation, wait);
      return;
    }
    const abort = new AbortController();
    const done = this.run(job, generation, abort.signal);
    this.running.set(generation.id, { done, abort });
    try {
      await done;
    } finally {
      this.running.delete(generation.id);
    }
  }

  /**
   * Lets uploads in progress finish within `graceMs`; those still running then are cut off and
   * their claims given back, to be delivered by the next owner.
   */
  async drain(graceMs: number): Promise<void> {
    this.stopRetries();
    if (this.running.size === 0) return;
    const all = Promise.allSettled([...this.running.values()].map((d) => d.done));
    if (await within(all, graceMs)) return;
    for (const delivery of this.running.values()) delivery.abort.abort(new Error('the bot is shutting down'));
    // An aborted upload unwinds at once and gives its claim back; one stuck in a port call
    // gets a moment, then its claim is given back here.
    await within(all, 2_000);
    const { store } = this.ctx.deps;
    await Promise.all([...this.running.keys()].map((id) => store.releaseLease(deliveryLease(id), this.ctx.settings.instanceId).catch(() => undefined)));
  }

  private async run(job: JobRecord, generation: GenerationRecord, signal: AbortSignal): Promise<void> {
    const ctx = this.ctx;
    try {
      const port = ctx.deps.ports.get(job.destination.platform);
      if (!port) throw new Error(`no adapter for ${job.destination.platform}`);
      const outcome = await deliverGeneration({
        job,
        generation,
        port,
        oxen: ctx.deps.oxen,
        store: ctx.deps.store,
        owner: ctx.settings.instanceId,
        leaseMs: ctx.settings.deliveryLeaseMs,
        retry: ctx.settings.deliveryRetry,
        ...(job.submittedAt !== undefined ? { deadlineAt: job.submittedAt + ctx.settings.deadlineMs } : {}),
        now: ctx.settings.now,
        signal,
        ...(ctx.deps.results ? { results: ctx.deps.results } : {}),
      });
      if (outcome) {
        const latencyMs = outcome !== 'found' && generation.succeededAt !== undefined && generation.deliveredAt !== undefined ? generation.deliveredAt - generation.succeededAt : undefined;
        ctx.tell('delivery', { job, generation, outcome, ...(latencyMs !== undefined ? { latencyMs } : {}) });
      }
      await ctx.withJob(job.id, async () => {
        const fresh = await ctx.deps.store.get(job.id);
        const saved = fresh?.generations.find((g) => g.id === generation.id);
        if (saved) Object.assign(generation, saved);
        await ctx.finisher.maybeFinish(job);
      });
    } catch (error) {
      if (signal.aborted) {
        ctx.tell('delivery', { job, generation, outcome: 'handed_back' });
        return;
      }
      ctx.tell('delivery', { job, generation, outcome: 'failed' });
      ctx.report(error, 'delivery', job.id);
      // Not counted (the store failed before the attempt began): try again after the first wait.
      const retryAt = error instanceof DeliveryFailed ? error.retryAt : ctx.settings.now() + ctx.settings.deliveryRetry.baseDelayMs;
      this.retryLater(job, generation, retryAt - ctx.settings.now());
    }
  }

  /** Stops the pending retries (at shutdown: the next owner delivers, after the saved wait). */
  stopRetries(): void {
    for (const timer of this.later.values()) clearTimeout(timer);
    this.later.clear();
  }

  private retryLater(job: JobRecord, generation: GenerationRecord, ms: number): void {
    const ctx = this.ctx;
    if (ctx.stopped || this.later.has(generation.id)) return;
    const timer = setTimeout(() => {
      this.later.delete(generation.id);
      // Let go meanwhile (ended, or taken by another instance): not ours to deliver.
      if (ctx.stopped || ctx.tracked.get(job.id) !== job) return;
      void this.deliver(job, generation);
    }, Math.max(0, ms));
    timer.unref();
    this.later.set(generation.id, timer);
  }
}

/** True when `promise` settles within `ms`. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
