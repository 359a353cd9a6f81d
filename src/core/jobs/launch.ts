/**
 * Launch: hosts a job's references and enqueues it at Oxen, saving the generation ids the moment
 * Oxen answers. Every enqueue carries a tag unique to the job and attempt (`target_repo` and
 * `target_directory`, echoed in Oxen's rows and filterable in its listing). When the answer is
 * lost (a timeout, a 5xx, a crash mid-enqueue) the job may exist at Oxen anyway: it is looked up
 * by that tag, never by its prompt, so it can never take another job's generation. When nothing
 * carries the tag, the person is told the bot could not confirm whether Oxen started the video.
 */
import { OxenError } from '../oxen/errors.js';
import { classifyGenerationFailure } from '../oxen/failure-kinds.js';
import type { GenerationStatus, QueueStatusRow } from '../oxen/types.js';
import { bodyForPlan } from '../plan.js';
import { openLaunchGate } from './cancel.js';
import type { EngineContext } from './context.js';
import { INFLIGHT } from './context.js';
import type { JobRecord } from './job.js';
import { isTerminal } from './job.js';

/** Where the generations of one attempt of a job are filed at Oxen: its tag. */
export function enqueueTag(repo: string, job: Pick<JobRecord, 'id' | 'attempts'>): { target_repo: string; target_directory: string } {
  return { target_repo: repo, target_directory: `jobs/${job.id}/${job.attempts}` };
}

/** A refusal at enqueue that names a known Seedance reason (moderation, a face...) gets that reason's code. */
function failureCode(error: unknown): string {
  if (!(error instanceof OxenError)) return 'job.submit_failed';
  const known = error.code === 'invalid_params' ? classifyGenerationFailure(error.detail) : 'oxen.generation_failed';
  return known === 'oxen.generation_failed' ? `oxen.${error.code}` : known;
}

/** The answer may have been lost after Oxen made the job: it must be looked for before anything else. */
const DEFINITE_CODES = ['invalid_params', 'unauthenticated', 'not_found', 'insufficient_credits', 'rate_limited', 'update_required'];
const ROW_STATUSES: readonly (GenerationStatus | undefined)[] = [undefined, 'succeeded', 'failed', 'cancelled'];

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
    if (!(await openLaunchGate(ctx, job.id))) {
      // Cancelled from another instance a moment ago (see cancel.ts): end it here as cancelled too.
      await ctx.finisher.finish(job, 'cancelled');
      return;
    }
    job.state = 'submitting';
    job.submittedAt = ctx.settings.now();
    job.attempts += 1;
    await ctx.save(job);
    // Status edits are not awaited here: a slow platform must not hold up the enqueue, nor this
    // job's lock (the news of its generations waits for it). Their order is kept (status.ts).
    void ctx.status.show(job, true);

    let ids: string[];
    let sent = false;
    try {
      const hosted = [];
      for (const reference of launch.references) {
        const place = await ctx.deps.host.host(reference, { jobId: job.id, minLifetimeMs: ctx.settings.deadlineMs });
        hosted.push({ kind: reference.kind, label: reference.label, url: place.url, ...(reference.face ? { face: true } : {}) });
      }
      const body = bodyForPlan({ model: launch.model, schema: launch.schema, request: job.request }, hosted);
      if (!body.ok) throw new OxenError('invalid_params', 'the request no longer fits the model', { detail: body.problems.map((p) => p.code).join(', ') });
      sent = true;
      ids = await ctx.deps.oxen.enqueue({ ...(body.value.body as { model: string; prompt: string }), ...enqueueTag(ctx.settings.tagRepo, job) });
    } catch (error) {
      await this.submitFailed(job, error, sent);
      return;
    }
    this.running(job, ids);
    await ctx.save(job);
    void ctx.status.show(job, true);
  }

  /**
   * A job found half-submitted (after a crash): follow what reached Oxen under its tag, or launch
   * it again (as a new attempt, with a new tag: a late generation of the old one is never taken).
   */
  async resumeHalfSubmitted(job: JobRecord): Promise<void> {
    const ctx = this.ctx;
    const found = await this.findByTag(job);
    if (found.length > 0) {
      await this.follow(job, found);
    } else {
      job.state = 'waiting';
      await ctx.save(job);
      ctx.admission.enqueue(job);
      await ctx.deps.store.leave(INFLIGHT, job.id);
      void ctx.admission.dispatch();
    }
  }

  /** The job is at Oxen: its generations are followed from now on (by the stream and the safety net). */
  private running(job: JobRecord, ids: readonly string[]): void {
    job.state = 'running';
    job.generations = ids.map((id) => ({ id, status: 'queued', delivery: 'pending' }));
    for (const id of ids) this.ctx.byGeneration.set(id, job.id);
  }

  /** Follows generations found under the job's tag; those already past `queued` are applied next. */
  private async follow(job: JobRecord, rows: readonly QueueStatusRow[]): Promise<void> {
    const ctx = this.ctx;
    this.running(job, rows.map((row) => row.generation_id));
    await ctx.save(job);
    void ctx.status.show(job, true);
    // Not awaited: each takes this job's lock, held by the caller until this returns.
    for (const row of rows) if (row.status !== 'queued') void ctx.follower.report(row.generation_id, row);
  }

  /** After a 5xx, a timeout or a bad answer the job may exist at Oxen: look for its tag before giving up. */
  private async submitFailed(job: JobRecord, error: unknown, sent: boolean): Promise<void> {
    const ctx = this.ctx;
    const definite = !sent || !(error instanceof OxenError) || error.notDelivered || DEFINITE_CODES.includes(error.code);
    if (definite) {
      job.failure = { code: failureCode(error), ...(error instanceof OxenError && error.detail ? { detail: error.detail } : {}) };
      ctx.report(error, 'enqueue', job.id);
      await ctx.finisher.finish(job, 'failed');
      return;
    }
    let found = await this.findByTag(job).catch((lookup: unknown) => (ctx.report(lookup, 'enqueue.lookup', job.id), []));
    if (found.length === 0 && !ctx.stopped) {
      // Oxen may still be working on the request whose answer was lost: one more look, a little later.
      await new Promise((resolve) => setTimeout(resolve, ctx.settings.confirmDelayMs).unref());
      found = await this.findByTag(job).catch((lookup: unknown) => (ctx.report(lookup, 'enqueue.lookup', job.id), []));
    }
    if (found.length > 0) {
      await this.follow(job, found);
      return;
    }
    // Nothing carries the job's tag, and nothing else may be taken for it: say so plainly. Oxen
    // may have made (and billed) it all the same, so what was held against the allowance stays
    // held rather than be given back for a video that may exist.
    job.failure = { code: 'oxen.unconfirmed' };
    job.reservation.settled = true;
    ctx.report(error, 'enqueue', job.id);
    await ctx.finisher.finish(job, 'failed');
  }

  /**
   * This attempt's generations at Oxen, found by its tag alone (active rows, then each ended
   * status), each row checked to carry the tag. A generation another job follows is never taken.
   */
  private async findByTag(job: JobRecord): Promise<QueueStatusRow[]> {
    const ctx = this.ctx;
    const tag = enqueueTag(ctx.settings.tagRepo, job);
    const count = Math.max(1, Number(job.body['num_generations'] ?? 1));
    const found = new Map<string, QueueStatusRow>();
    for (const status of ROW_STATUSES) {
      const rows = await ctx.deps.oxen.listStatuses({ repo: tag.target_repo, folder: tag.target_directory, ...(status ? { status } : {}) });
      for (const row of rows) {
        if (row.target_repo !== tag.target_repo || row.target_directory !== tag.target_directory) continue;
        const owner = ctx.byGeneration.get(row.generation_id);
        if (owner !== undefined && owner !== job.id) continue;
        found.set(row.generation_id, row);
      }
      if (found.size >= count) break;
    }
    return [...found.values()].slice(0, count);
  }
}
