/**
 * The engine's regular round (every tickMs): the safety-net listing starts when due, jobs past
 * their deadline are timed out, jobs due a look of their own get it, and running jobs' status
 * messages get their progress edits.
 */
import type { EngineContext } from './context.js';
import { pastDeadline, timeOut } from './deadlines.js';

/** Looks, deadlines and progress edits a tick starts before it lets the event loop go. */
const TICK_SLICE = 16;
/**
 * Progress edits (no new phase) per second, all jobs together. With thousands of jobs running
 * they take turns rather than all go every progressIntervalMs: Discord allows a bot 50 requests a
 * second in all, and an edit over that waits in the client's queue ahead of uploads and new
 * threads; building them costs the event loop (and memory) for nothing. New phases always go at once.
 */
export const PROGRESS_EDITS_PER_SECOND = 20;

export class Ticker {
  private ticking = false;
  /** Where the last tick ran out of progress edits: the next starts there, so every job gets its turn. */
  private cursor = 0;

  constructor(private readonly ctx: EngineContext) {}

  async tick(): Promise<void> {
    // A tick that yields may outlast the interval on a slow machine: never two at once.
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.round();
    } finally {
      this.ticking = false;
    }
  }

  private async round(): Promise<void> {
    const ctx = this.ctx;
    const now = ctx.settings.now();
    ctx.safetyNet.startIfDue(now);
    const ids = [...ctx.tracked.keys()];
    const start = ids.length === 0 ? 0 : this.cursor % ids.length;
    let edits = 0;
    const editsPerTick = Math.max(1, Math.round((PROGRESS_EDITS_PER_SECOND * ctx.settings.tickMs) / 1000));
    let outOfEditsAt: number | undefined;
    // Looks, deadlines and progress edits start in slices, with the event loop let go in between:
    // jobs launched in the same second fall due in the same tick, and starting hundreds of
    // requests in one go holds up everything else (acknowledging Slack's requests among them)
    // for tens of milliseconds.
    let started = 0;
    for (let k = 0; k < ids.length; k++) {
      if (started >= TICK_SLICE) {
        started = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (ctx.stopped) return;
      }
      const id = ids[(start + k) % ids.length]!;
      const job = ctx.tracked.get(id);
      if (!job) continue; // let go while this tick yielded
      if (pastDeadline(ctx, job, now)) {
        started++;
        void ctx.withJob(id, () => timeOut(ctx, id)).catch((error) => ctx.report(error, 'deadline', id));
        continue;
      }
      if (ctx.follower.pollIfDue(id, now)) started++;
      if (job.state === 'running' && ctx.status.progressDue(job, now)) {
        if (edits < editsPerTick) {
          edits++;
          started++;
          void ctx.status.show(job, false);
        } else {
          outOfEditsAt ??= (start + k) % ids.length;
        }
      }
    }
    this.cursor = outOfEditsAt ?? start;
  }
}
