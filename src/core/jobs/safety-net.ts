/**
 * The safety net under the completion stream, for all of this instance's jobs at once: one
 * listing of the bot's active generations at Oxen (GET /api/ai/queue?repo=<tag repo>, active
 * rows, no pagination) every listEveryMs, every pollWithoutStreamMs while the stream is down, and
 * at once after every (re)connect, since Oxen replays nothing.
 *
 * A generation that left the active listing without an event ended unseen: cancelled (Oxen sends
 * no event for that) or its event lost while the stream was down. Its end is looked up: one GET
 * each when few, else the three status-filtered listings of the repo (succeeded, failed,
 * cancelled). While the stream is up, a generation gets one round's grace first, as its event may
 * be on the way. A generation Oxen knows but the repo listing does not show (enqueued before jobs
 * were tagged) is looked up on its own, at most maxLookupsPerRound GETs a round.
 */
import type { QueueStatusRow } from '../oxen/types.js';
import { TERMINAL_STATUSES } from '../oxen/types.js';
import type { EngineContext } from './context.js';

/** Up to this many generations to look up, one GET each; more, and the status listings are cheaper. */
const FEW = 3;
/** Listed generations applied at once before the event loop is let go. */
const APPLY_SLICE = 32;
const ENDED = ['succeeded', 'failed', 'cancelled'] as const;

export class SafetyNet {
  private nextAt = 0;
  private running = false;
  /** No round since the stream (re)connected: nothing can be on its way, so no grace. */
  private fresh = true;
  /** Open generations missing from the last listing, given a round's grace. */
  private missingBefore = new Set<string>();
  /** Known to Oxen, but not in the repo listing (untagged): looked up one by one, in turn. */
  private unlisted = new Set<string>();
  /** Where the single lookups of a round without a listing start, so all are reached in turn. */
  private fallbackCursor = 0;

  constructor(private readonly ctx: EngineContext) {}

  /** A round at the next tick. */
  soon(): void {
    this.nextAt = 0;
  }

  onStreamConnected(): void {
    this.fresh = true;
    this.soon();
  }

  onStreamDown(): void {
    this.nextAt = Math.min(this.nextAt, this.ctx.settings.now() + this.ctx.settings.pollWithoutStreamMs);
  }

  /** Starts a round when one is due (called by the tick); false when not. */
  startIfDue(now: number): boolean {
    if (this.running || now < this.nextAt) return false;
    const ctx = this.ctx;
    this.running = true;
    this.nextAt = now + (ctx.streamUp ? ctx.settings.listEveryMs : ctx.settings.pollWithoutStreamMs);
    void this.round()
      .catch((error) => {
        ctx.report(error, 'sweep');
        this.nextAt = Math.min(this.nextAt, ctx.settings.now() + ctx.settings.pollWithoutStreamMs);
      })
      .finally(() => (this.running = false));
    return true;
  }

  private async round(): Promise<void> {
    const ctx = this.ctx;
    const repo = ctx.settings.tagRepo;
    const grace = ctx.streamUp && !this.fresh;
    if (ctx.streamUp) this.fresh = false;
    const open = this.openGenerations();
    for (const set of [this.missingBefore, this.unlisted]) for (const id of set) if (!open.has(id)) set.delete(id);
    if (open.size === 0) return;

    let requests = 1;
    // What the listing does not show; ids are deleted, not gathered, so no row's strings outlive it.
    const unseen = new Set(open.keys());
    // Only the rows that say something new outlive the listing (keyed: a listing asked again
    // after a failure part-way visits its rows again); the rest die as they are read.
    const news = new Map<string, QueueStatusRow>();
    try {
      await ctx.deps.oxen.eachStatus({ repo }, (row) => {
        // Only rows under our tag, of generations this instance follows: never anyone else's.
        if (row.target_repo !== repo || !open.has(row.generation_id)) return;
        unseen.delete(row.generation_id);
        this.unlisted.delete(row.generation_id);
        if (this.isNews(row)) news.set(row.generation_id, row);
      });
    } catch (error) {
      // No listing this round (Oxen down, or an answer too big to read): a bounded number of
      // single lookups, in turn, so the jobs still move on.
      ctx.report(error, 'sweep');
      this.fallbackCursor = (this.fallbackCursor + ctx.settings.maxLookupsPerRound) % Math.max(1, open.size);
      const ids = [...open.keys()];
      const turn = [...ids.slice(this.fallbackCursor), ...ids.slice(0, this.fallbackCursor)].slice(0, ctx.settings.maxLookupsPerRound);
      requests += await this.lookUpOneByOne(turn);
      ctx.deps.onSweep?.({ generations: open.size, requests, lookedUp: turn.length });
      this.nextAt = Math.min(this.nextAt, ctx.settings.now() + ctx.settings.pollWithoutStreamMs);
      return;
    }
    await this.applyAll([...news.values()]);

    const missing = [...unseen].filter((id) => !this.unlisted.has(id));
    const due = grace ? missing.filter((id) => this.missingBefore.has(id)) : missing;
    this.missingBefore = grace ? new Set(missing.filter((id) => !this.missingBefore.has(id))) : new Set();

    let unresolved = due;
    if (due.length > FEW) {
      for (const status of ENDED) {
        if (unresolved.length === 0 || ctx.stopped) break;
        const wanted = new Set(unresolved);
        const ended = await ctx.deps.oxen.listStatuses({ repo, status });
        requests++;
        const found = ended.filter((row) => row.target_repo === repo && wanted.has(row.generation_id));
        await this.applyAll(found);
        for (const row of found) wanted.delete(row.generation_id);
        unresolved = [...wanted];
      }
    }
    requests += await this.lookUpOneByOne([...unresolved, ...this.nextUnlisted()].slice(0, ctx.settings.maxLookupsPerRound));
    ctx.deps.onSweep?.({ generations: open.size, requests, lookedUp: due.length });
  }

  /** Generation id -> job id, of every generation of this instance's running jobs not ended yet. */
  private openGenerations(): Map<string, string> {
    const open = new Map<string, string>();
    for (const job of this.ctx.tracked.values()) {
      if (job.state !== 'running') continue;
      for (const g of job.generations) if (!TERMINAL_STATUSES.includes(g.status)) open.set(g.id, job.id);
    }
    return open;
  }

  /** Each generation's row, applied where it says something new; in slices, letting the loop go. */
  private async applyAll(rows: readonly QueueStatusRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += APPLY_SLICE) {
      if (this.ctx.stopped) return;
      await Promise.all(rows.slice(i, i + APPLY_SLICE).filter((row) => this.isNews(row)).map((row) => this.ctx.follower.report(row.generation_id, row)));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  private isNews(row: Pick<QueueStatusRow, 'generation_id' | 'status'>): boolean {
    const jobId = this.ctx.byGeneration.get(row.generation_id);
    const generation = jobId ? this.ctx.tracked.get(jobId)?.generations.find((g) => g.id === row.generation_id) : undefined;
    return generation !== undefined && generation.status !== row.status;
  }

  /** GET /api/ai/queue/{id} for each; returns how many were sent. */
  private async lookUpOneByOne(ids: readonly string[]): Promise<number> {
    const ctx = this.ctx;
    let sent = 0;
    for (const id of ids) {
      if (ctx.stopped) break;
      sent++;
      try {
        const row = await ctx.deps.oxen.getGeneration(id);
        if (TERMINAL_STATUSES.includes(row.status)) this.unlisted.delete(id);
        else if (row.target_repo !== ctx.settings.tagRepo) this.unlisted.add(id);
        if (this.isNews(row)) await ctx.follower.report(id, row);
      } catch (error) {
        ctx.report(error, 'poll', ctx.byGeneration.get(id));
      }
    }
    return sent;
  }

  /** The untagged generations due for a look this round, in turn. */
  private nextUnlisted(): string[] {
    const batch = [...this.unlisted].slice(0, this.ctx.settings.maxLookupsPerRound);
    // Looked-at ones go to the back of the line.
    for (const id of batch) {
      this.unlisted.delete(id);
      this.unlisted.add(id);
    }
    return batch;
  }
}
