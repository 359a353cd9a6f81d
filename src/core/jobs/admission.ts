/**
 * The waiting line and dispatch: admitted jobs wait in the line every instance shares
 * (fair-queue.ts), and are launched as global generation slots come free, in the line's order
 * across instances: an instance starts one of its own jobs only when it stands among the first
 * `free slots` of the whole line; the jobs ahead of it are started by the instances that hold them
 * (each looks every tick while it has jobs waiting). A slot taken for a launch that fails before
 * the job reaches Oxen is given back at once, and the job waits again.
 */
import type { EngineContext } from './context.js';
import { INFLIGHT, userSet } from './context.js';
import { WaitingLine } from './fair-queue.js';
import type { JobRecord } from './job.js';

/**
 * How far into the line one dispatch looks: jobs further back wait for those ahead of them (the
 * instances holding them start them within a tick), and a dispatch never reads a long line whole.
 */
const HEAD_WINDOW = 256;

export class Admission {
  private readonly line: WaitingLine;
  /** Waiting jobs this instance holds (its share of the shared line). */
  private readonly local = new Set<string>();
  /** Adds to the shared line under way: a dispatch waits for them. */
  private readonly adding = new Set<Promise<void>>();
  /** The place each local waiting job's status message last showed. */
  private readonly shown = new Map<string, number>();
  /** The dispatch under way; callers wait for it (and the round it runs again for them). */
  private running: Promise<void> | undefined;
  private again = false;

  constructor(private readonly ctx: EngineContext) {
    this.line = new WaitingLine(ctx.deps.store.line, { ttlMs: ctx.settings.positionsTtlMs, now: ctx.settings.now });
  }

  /** Waiting jobs this instance holds. */
  get size(): number {
    return this.local.size;
  }

  /** Puts a waiting job this instance holds in the shared line (keeping its place if it is in line already). */
  enqueue(job: JobRecord): void {
    this.local.add(job.id);
    const added: Promise<void> = this.line
      .add(job.id, userSet(job))
      .catch((error: unknown) => {
        this.ctx.report(error, 'line', job.id);
        // Not in line, so never dispatched: try again shortly while the job still waits here.
        const timer = setTimeout(() => {
          if (!this.ctx.stopped && this.local.has(job.id) && this.ctx.tracked.get(job.id) === job && job.state === 'waiting') this.enqueue(job);
        }, this.ctx.settings.pollWithoutStreamMs);
        timer.unref();
      })
      .finally(() => this.adding.delete(added));
    this.adding.add(added);
  }

  /** Where every waiting job stands in the shared line; `fresh`: read now rather than from the short-lived cache. */
  positions(options: { fresh?: boolean } = {}): Promise<Map<string, number>> {
    return this.line.positions(options);
  }

  /** The positions as last read (at most positionsTtlMs old), for rendering without waiting. */
  cachedPositions(): Map<string, number> {
    return this.line.cachedPositions();
  }

  /** Let go here (another instance took the job): it keeps its place in the shared line for its new owner. */
  forget(id: string): void {
    this.local.delete(id);
    this.shown.delete(id);
  }

  /** The job ended (or was cancelled while waiting): it leaves the line. */
  async finished(id: string): Promise<void> {
    this.forget(id);
    await this.line.remove(id, false);
  }

  /**
   * Launches the waiting jobs this instance holds while global slots are free and their turn has
   * come. One round at a time: a call during a round makes it look once more, and waits for that.
   */
  dispatch(): Promise<void> {
    if (this.ctx.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        for (;;) {
          this.again = false;
          await this.dispatchOnce();
          if (this.ctx.stopped) break;
          if (this.again) continue;
          await this.showPlaces();
          if (!this.again || this.ctx.stopped) break;
        }
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** The tick's look: only while this instance has jobs waiting. */
  async dispatchIfWaiting(): Promise<void> {
    if (this.local.size > 0) await this.dispatch();
  }

  private async dispatchOnce(): Promise<void> {
    const ctx = this.ctx;
    const { store } = ctx.deps;
    await Promise.all([...this.adding]);
    if (this.local.size === 0) return;
    const limit = ctx.settings.globalLimit;
    // A job may start when it stands among the first (free slots) of the whole line. Without
    // counting the slots: each of ours joins the global set capped at limit - (jobs ahead of it
    // that other instances hold), so the join fails exactly when its turn has not come.
    let ahead = 0;
    for (const id of await this.line.head(Math.min(limit, HEAD_WINDOW))) {
      const job = ctx.tracked.get(id);
      if (!job || job.state !== 'waiting' || !this.local.has(id)) {
        if (++ahead >= limit) break; // another instance's turn
        continue;
      }
      if (!(await store.joinCapped(INFLIGHT, id, limit - ahead))) break;
      this.forget(id);
      // Out of the line (the round moves on). Already out: cancelled from another instance, and
      // launch() re-reads the record and ends it. A failure leaves a stale entry for the repair.
      await this.line.remove(id, true).catch((error: unknown) => ctx.report(error, 'line', id));
      void ctx.withJob(id, () => ctx.launcher.launch(job)).catch((error) => this.launchFailed(job, error));
    }
  }

  /** Progress edits for the local waiting jobs whose place in line changed (not edited lately). */
  private async showPlaces(): Promise<void> {
    const ctx = this.ctx;
    if (this.local.size === 0) return;
    const positions = await this.line.positions();
    const now = ctx.settings.now();
    for (const id of this.local) {
      const job = ctx.tracked.get(id);
      const place = positions.get(id);
      if (!job || job.state !== 'waiting' || place === undefined || place === this.shown.get(id) || !ctx.status.progressDue(job, now)) continue;
      this.shown.set(id, place);
      void ctx.status.show(job, false, positions);
    }
  }

  /**
   * A launch that threw before the job reached Oxen (the store or Oxen's schema lookup failed):
   * the global slot is given back and the job waits again, instead of holding the slot for ever.
   */
  private async launchFailed(job: JobRecord, error: unknown): Promise<void> {
    const ctx = this.ctx;
    ctx.report(error, 'launch', job.id);
    if (job.state !== 'waiting' && !(job.state === 'submitting' && job.generations.length === 0)) return;
    job.state = 'waiting';
    await ctx.deps.store.leave(INFLIGHT, job.id).catch((e: unknown) => ctx.report(e, 'release.inflight', job.id));
    const timer = setTimeout(() => {
      if (ctx.stopped || ctx.tracked.get(job.id) !== job || job.state !== 'waiting') return;
      this.enqueue(job);
      void this.dispatch();
    }, ctx.settings.pollWithoutStreamMs);
    timer.unref();
  }
}
