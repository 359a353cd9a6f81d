/**
 * Launch: hosts a job's references and enqueues it at Oxen, saving the generation ids the moment
 * Oxen answers. When the answer is lost (a timeout, a 5xx, a crash mid-enqueue) the job may
 * exist at Oxen anyway: it is looked up there before it is failed or launched again.
 */
import { OxenError } from '../oxen/errors.js';
import type { GenerationStatus } from '../oxen/types.js';
import { bodyForPlan } from '../plan.js';
import type { EngineContext } from './context.js';
import { INFLIGHT } from './context.js';
import type { JobRecord } from './job.js';
import { isTerminal } from './job.js';

export class Launcher {
  constructor(private readonly ctx: EngineContext) {}

  /** Hosts the references and enqueues; the generation ids are saved the moment Oxen answers. */
  async launch(job: JobRecord): Promise<void> {
    const ctx = this.ctx;
    const latest = await ctx.deps.store.get(job.id);
    if (!latest || latest.state !== 'waiting') {
      if (latest) Object.assign(job, latest);
      if (latest && isTerminal(latest.state)) await ctx.finisher.finish(job, latest.state as 'done' | 'failed' | 'cancelled' | 'timed_out');
      else if (latest) {
        // Launched elsewhere already (after a takeover): follow it rather than launch it again.
        ctx.track(job);
        ctx.follower.pollSoon(job.id, 0);
      }
      return;
    }
    const launch = await ctx.deps.relaunch(job);
    if (!launch) {
      // The job's saved files expired before a slot at Oxen came free.
      job.failure = { code: 'job.references_lost' };
      await ctx.finisher.finish(job, 'failed');
      return;
    }
    job.state = 'submitting';
    job.submittedAt = ctx.settings.now();
    job.attempts += 1;
    await ctx.save(job);
    await ctx.status.show(job, true);

    let ids: string[];
    try {
      const hosted = [];
      for (const reference of launch.references) {
        const place = await ctx.deps.host.host(reference, { jobId: job.id, minLifetimeMs: ctx.settings.deadlineMs });
        hosted.push({ kind: reference.kind, label: reference.label, url: place.url });
      }
      const body = bodyForPlan({ model: launch.model, schema: launch.schema, request: job.request }, hosted);
      if (!body.ok) throw new OxenError('invalid_params', 'the request no longer fits the model', { detail: body.problems.map((p) => p.code).join(', ') });
      ids = await ctx.deps.oxen.enqueue(body.value.body as { model: string; prompt: string });
    } catch (error) {
      await this.submitFailed(job, error);
      return;
    }
    this.running(job, ids);
    await ctx.save(job);
    await ctx.status.show(job, true);
  }

  /** A job found half-submitted (after a crash): follow what reached Oxen, or launch it again. */
  async resumeHalfSubmitted(job: JobRecord): Promise<void> {
    const ctx = this.ctx;
    const found = await this.findAtOxen(job);
    if (found.length > 0) {
      this.running(job, found);
      await ctx.save(job);
    } else {
      job.state = 'waiting';
      await ctx.save(job);
      ctx.admission.enqueue(job);
      await ctx.deps.store.leave(INFLIGHT, job.id);
      void ctx.admission.dispatch();
    }
  }

  private running(job: JobRecord, ids: readonly string[]): void {
    job.state = 'running';
    job.generations = ids.map((id) => ({ id, status: 'queued', delivery: 'pending' }));
    for (const id of ids) this.ctx.byGeneration.set(id, job.id);
    this.ctx.follower.pollSoon(job.id);
  }

  /** After a 5xx, a timeout or a bad answer the job may exist at Oxen: look before giving up. */
  private async submitFailed(job: JobRecord, error: unknown): Promise<void> {
    const ctx = this.ctx;
    const definite = error instanceof OxenError && (error.notDelivered || ['invalid_params', 'unauthenticated', 'not_found', 'insufficient_credits', 'rate_limited', 'update_required'].includes(error.code));
    if (!definite) {
      const found = await this.findAtOxen(job).catch(() => undefined);
      if (found && found.length > 0) {
        this.running(job, found);
        await ctx.save(job);
        await ctx.status.show(job, true);
        return;
      }
    }
    job.failure = { code: error instanceof OxenError ? `oxen.${error.code}` : 'job.submit_failed', ...(error instanceof OxenError && error.detail ? { detail: error.detail } : {}) };
    ctx.report(error, 'enqueue', job.id);
    await ctx.finisher.finish(job, 'failed');
  }

  /** Generations of this job in Oxen's queue, matched by model, prompt and time (no ids yet). */
  private async findAtOxen(job: JobRecord): Promise<string[]> {
    const since = Math.floor((job.submittedAt ?? job.createdAt) / 1000) - 120;
    const lists = await Promise.all(
      [undefined, 'succeeded', 'failed'].map((status) => this.ctx.deps.oxen.listQueue({ model: job.modelId, ...(status ? { status: status as GenerationStatus } : {}) })),
    );
    const matches = lists
      .flatMap((list) => list.generations)
      .filter((g) => g.prompt === job.body['prompt'] && (g.enqueued_at ?? 0) >= since)
      .map((g) => g.generation_id);
    const count = Number(job.body['num_generations'] ?? 1);
    return [...new Set(matches)].slice(0, count);
  }
}
