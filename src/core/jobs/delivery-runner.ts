/**
 * Runs deliveries of finished generations (one at a time per generation), reports each outcome,
 * ends the job when nothing is left open, and at shutdown lets uploads finish within a grace
 * period before cutting them off and giving their claims back.
 */
import type { EngineContext } from './context.js';
import { deliverGeneration, deliveryLease } from './delivery.js';
import type { GenerationRecord, JobRecord } from './job.js';

export class DeliveryRunner {
  private readonly running = new Map<string, { done: Promise<void>; abort: AbortController }>();

  constructor(private readonly ctx: EngineContext) {}

  /** Uploads under way on this instance. */
  get size(): number {
    return this.running.size;
  }

  async deliver(job: JobRecord, generation: GenerationRecord): Promise<void> {
    if (this.ctx.stopped || this.running.has(generation.id)) return;
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
      const outcome = await deliverGeneration({ job, generation, port, oxen: ctx.deps.oxen, store: ctx.deps.store, owner: ctx.settings.instanceId, leaseMs: ctx.settings.deliveryLeaseMs, signal });
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
      ctx.follower.pollSoon(job.id, ctx.settings.pollWithoutStreamMs);
    }
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
