/**
 * The waiting line: admitted jobs wait in fair order (one person's jobs never crowd out the
 * others') and are launched as global generation slots come free.
 */
import type { EngineContext } from './context.js';
import { INFLIGHT, userSet } from './context.js';
import { FairQueue } from './fair-queue.js';
import type { JobRecord } from './job.js';

export class Admission {
  private readonly waiting = new FairQueue<JobRecord>();
  private dispatching = false;

  constructor(private readonly ctx: EngineContext) {}

  get size(): number {
    return this.waiting.size;
  }

  enqueue(job: JobRecord): void {
    this.waiting.push(userSet(job), job);
  }

  positions(): Map<string, number> {
    return this.waiting.positions();
  }

  forget(id: string): void {
    this.waiting.remove(id);
  }

  /** Launches waiting jobs while global slots are free. */
  async dispatch(): Promise<void> {
    const ctx = this.ctx;
    if (this.dispatching || ctx.stopped) return;
    this.dispatching = true;
    try {
      for (let next = this.waiting.peek(); next; next = this.waiting.peek()) {
        if (!(await ctx.deps.store.joinCapped(INFLIGHT, next.id, ctx.settings.globalLimit))) break;
        this.waiting.shift();
        void ctx.withJob(next.id, () => ctx.launcher.launch(next)).catch((error) => ctx.report(error, 'launch', next.id));
      }
    } finally {
      this.dispatching = false;
    }
    // Places in line changed: progress edits for the waiting jobs not edited lately (checked
    // here, not in show(), as there may be thousands of them on every admission).
    if (this.waiting.size === 0) return;
    const positions = this.positions();
    const now = ctx.settings.now();
    for (const [id] of positions) {
      const job = ctx.tracked.get(id);
      if (job && ctx.status.progressDue(job, now)) void ctx.status.show(job, false, positions);
    }
  }
}
