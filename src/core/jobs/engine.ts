/**
 * The job engine: dispatches waiting jobs to Oxen in fair order within the global cap, follows
 * every owned job over one completion stream with one listing of all of them as the safety net,
 * enforces the deadline, delivers each success exactly once, and settles budgets. Ownership of a
 * job is a lease in the store, so several instances can share one Redis and take over a dead
 * one's jobs.
 *
 * This class is the coordinator and the public face; each step lives in its own file:
 * admission.ts (the waiting line), launch.ts (enqueue at Oxen, tagged), follow.ts (news of a
 * generation), safety-net.ts (one listing for all jobs), delivery-runner.ts, finish.ts (ending
 * a job), deadlines.ts, tick.ts (the regular round), takeover.ts (leases), status.ts (what
 * people see), context.ts (what the steps share).
 */
import { subscribeCompletions } from '../oxen/completions.js';
import { cancelJob } from './cancel.js';
import { EngineContext, jobLease } from './context.js';
import type { EngineDeps, EngineSettings, StopOptions } from './engine-settings.js';
import type { JobRecord, JobState } from './job.js';
import type { JobView } from './ports.js';
import { repairSlots, type RepairReport } from './repair.js';
import { Ticker } from './tick.js';

export { DEFAULT_ENGINE_SETTINGS } from './engine-settings.js';
export type { DeliveryReport, EngineDeps, EngineEvents, EngineSettings, Launch, StopOptions, SweepReport } from './engine-settings.js';
export { userSet } from './context.js';
export { phaseOf } from './status.js';

export class JobEngine {
  readonly settings: EngineSettings;
  private readonly ctx: EngineContext;
  private readonly ticker: Ticker;
  private timers: NodeJS.Timeout[] = [];

  constructor(deps: EngineDeps, settings: Partial<EngineSettings> = {}) {
    this.ctx = new EngineContext(deps, settings);
    this.settings = this.ctx.settings;
    this.ticker = new Ticker(this.ctx);
  }

  get streamConnected(): boolean {
    return this.ctx.streamUp;
  }

  get trackedCount(): number {
    return this.ctx.tracked.size;
  }

  /** Jobs the status messages still remember (for leak checks). */
  get statusRemembered(): number {
    return this.ctx.status.remembered;
  }

  /** Uploads under way on this instance. */
  get deliveriesInFlight(): number {
    return this.ctx.deliveries.size;
  }

  /** Jobs this instance follows, by state (for metrics). */
  countByState(): Map<JobState, number> {
    const counts = new Map<JobState, number>();
    for (const job of this.ctx.tracked.values()) counts.set(job.state, (counts.get(job.state) ?? 0) + 1);
    return counts;
  }

  /** Opens the completion stream, resumes every active job this instance can own, starts the timers. */
  async start(): Promise<void> {
    const ctx = this.ctx;
    void subscribeCompletions({
      client: ctx.deps.oxen,
      signal: ctx.abort.signal,
      onEvent: (event) => ctx.follower.onCompletion(event),
      onConnected: () => {
        ctx.streamUp = true;
        ctx.safetyNet.onStreamConnected();
      },
      onDisconnected: () => {
        ctx.streamUp = false;
        ctx.safetyNet.onStreamDown();
      },
      onError: (error) => ctx.report(error, 'events'),
    });
    // Slots left behind by a crash or a failed release are freed before anything is dispatched.
    await this.repairSlots().catch((error: unknown) => ctx.report(error, 'repair'));
    await ctx.takeover.takeOver();
    const every = (ms: number, fn: () => Promise<unknown>) => {
      const timer = setInterval(() => void fn().catch((error) => ctx.report(error, 'timer')), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.settings.tickMs, () => this.ticker.tick());
    // Jobs ahead in the shared line may be another instance's: look again every tick while ours wait.
    every(this.settings.tickMs, () => ctx.admission.dispatchIfWaiting());
    every(this.settings.leaseRenewMs, () => ctx.takeover.renewAndTakeOver());
    every(this.settings.repairEveryMs, () => this.repairSlots());
  }

  /** Drops slot-set members whose job is missing or ended (see repair.ts); what was dropped is reported. */
  async repairSlots(): Promise<RepairReport> {
    const report = await repairSlots(this.ctx.deps.store);
    if (report.dropped.length > 0) {
      const list = report.dropped.map((d) => `${d.set} ${d.member}`).join(', ');
      this.ctx.report(new Error(`slot repair freed ${report.dropped.length} slot(s) left behind: ${list.slice(0, 500)}`), 'repair');
      void this.ctx.admission.dispatch();
    }
    return report;
  }

  /**
   * Stops following jobs: no new launch, poll or delivery starts. With `handBack` (the default)
   * uploads in progress get `graceMs` to finish; the rest are cut off and their claims given
   * back; then every job lease is given back so another instance (or the next start) takes the
   * jobs at once. `handBack: false` leaves everything to expire, as a crash would.
   */
  async stop({ handBack = true, graceMs = 5_000 }: StopOptions = {}): Promise<void> {
    const ctx = this.ctx;
    ctx.stopped = true;
    ctx.abort.abort();
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
    ctx.finisher.stop();
    ctx.costs.stop();
    ctx.deliveries.stopRetries();
    if (handBack) await ctx.deliveries.drain(graceMs);
    await ctx.settleLocks();
    await ctx.status.settle();
    if (handBack) await Promise.all([...ctx.tracked.keys()].map((id) => ctx.deps.store.releaseLease(jobLease(id), this.settings.instanceId)));
    ctx.tracked.clear();
  }

  /**
   * Holds a new job's lease before its record is saved, so no other instance can adopt the job
   * in the moment between the save and admit().
   */
  async claim(id: string): Promise<boolean> {
    const held = await this.ctx.deps.store.acquireLease(jobLease(id), this.settings.instanceId, this.settings.leaseTtlMs);
    // Until admit(), the job is the submitter's: the lease renewal's takeOver() would otherwise
    // find the saved record, see the lease is ours, and adopt it too (the job queued twice).
    if (held) this.ctx.admitting.add(id);
    return held;
  }

  /** Takes a new job (claimed, its record saved with where to report) and starts it when a slot is free. */
  async admit(job: JobRecord): Promise<void> {
    const ctx = this.ctx;
    ctx.admitting.delete(job.id);
    // After stop() the store may be closing: the saved job is picked up by the next start.
    if (ctx.stopped) return;
    ctx.track(job);
    ctx.admission.enqueue(job);
    await ctx.admission.dispatch();
    if (job.state === 'waiting') await ctx.status.show(job, true);
  }

  /** Where each waiting job stands in the line all instances share, read now. */
  positions(): Promise<Map<string, number>> {
    return this.ctx.admission.positions({ fresh: true });
  }

  /** `positions`: pass them when viewing many jobs at once, to compute them once. */
  view(job: JobRecord, positions?: ReadonlyMap<string, number>): JobView {
    return this.ctx.status.view(job, positions);
  }

  /** Cancels a job wherever it is. Ownership checks are the caller's. */
  async cancel(id: string): Promise<JobRecord | undefined> {
    return cancelJob(this.ctx, id);
  }
}
