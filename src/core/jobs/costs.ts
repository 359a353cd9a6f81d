/**
 * What Oxen charged for each finished generation, read once per job when it ends (before its
 * final status message), from GET /api/ai/generations (oxen-hub-openapi.json): neither the
 * completion event nor the queue row carries the cost. A few at a time are asked one by one;
 * under load the lookups of about `historyEveryMs` are answered together by pages of the bot's own
 * history (`repo=<tag repo>`, 1,000 rows a page), so at 10,000 jobs in flight the lookups add a few
 * hundredths of a request per job instead of one per generation. A history round reads most of the
 * history (it is in order of creation, not of completion), so under load such rounds are spaced
 * out: the cost is shown a little later, and neither Oxen nor the bot (parsing the pages) spends
 * its time re-reading the same pages while videos are waiting to be delivered. A cost Oxen did not give (null,
 * an error, a row not found within `maxPages`) stays unknown, and is said so.
 */
import type { OxenClient } from '../oxen/client.js';
import type { JobRecord } from './job.js';

export interface CostLookupOptions {
  /** The repository every job is enqueued with (its tag): the history is filtered by it. */
  tagRepo: string;
  /** Lookups of this long are answered together once more than `few` are waiting. Default 2 s. */
  windowMs?: number;
  /** At most one round from the history this often (many waiting: under load). Default 15 s. */
  historyEveryMs?: number;
  /** Up to this many waiting are asked one by one, at once. Default 3. */
  few?: number;
  /** Pages of the history read at most per round. Default 20 (20,000 rows). */
  maxPages?: number;
  onError?(error: unknown): void;
}

type Waiter = (cost: string | undefined) => void;

export class CostLookup {
  private readonly waiting = new Map<string, Waiter[]>();
  private timer: NodeJS.Timeout | undefined;
  private lastRound = 0;
  private lastHistoryRound = -Infinity;

  constructor(
    private readonly oxen: Pick<OxenClient, 'generationCost' | 'listGenerationCosts'>,
    private readonly options: CostLookupOptions,
  ) {}

  /** Sets `cost` (or `costUnknown`) on each succeeded generation of the job that has neither. */
  async fill(job: JobRecord): Promise<void> {
    const open = job.generations.filter((g) => g.status === 'succeeded' && g.cost === undefined && !g.costUnknown);
    const costs = await Promise.all(open.map((g) => this.costOf(g.id)));
    open.forEach((g, i) => {
      const cost = costs[i];
      if (cost !== undefined) g.cost = cost;
      else g.costUnknown = true;
    });
  }

  costOf(generationId: string): Promise<string | undefined> {
    return new Promise((resolve) => {
      const waiters = this.waiting.get(generationId) ?? [];
      waiters.push(resolve);
      this.waiting.set(generationId, waiters);
      this.schedule();
    });
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const waiters of this.waiting.values()) for (const w of waiters) w(undefined);
    this.waiting.clear();
  }

  private schedule(wait?: number): void {
    if (this.timer) return;
    const windowMs = this.options.windowMs ?? 2_000;
    // At once when the last round was a while ago (one job ending now and then); otherwise
    // the ones ending meanwhile are gathered for the next round.
    wait ??= Math.max(0, this.lastRound + windowMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.round();
    }, wait);
    this.timer.unref();
  }

  private async round(): Promise<void> {
    const now = Date.now();
    const history = this.waiting.size > (this.options.few ?? 3);
    const historyAt = this.lastHistoryRound + (this.options.historyEveryMs ?? 15_000);
    if (history && now < historyAt) {
      this.schedule(historyAt - now); // more gather meanwhile, for the same pages
      return;
    }
    this.lastRound = now;
    if (history) this.lastHistoryRound = now;
    const batch = new Map(this.waiting);
    this.waiting.clear();
    const found = new Map<string, string>();
    try {
      if (!history) await this.oneByOne([...batch.keys()], found);
      else await this.fromHistory(new Set(batch.keys()), found);
    } catch (error) {
      this.options.onError?.(error);
    }
    for (const [id, waiters] of batch) for (const w of waiters) w(found.get(id));
  }

  private async oneByOne(ids: string[], found: Map<string, string>): Promise<void> {
    await Promise.all(
      ids.map(async (id) => {
        const row = await this.oxen.generationCost(id).catch((error: unknown) => this.options.onError?.(error));
        if (row?.cost) found.set(id, row.cost);
      }),
    );
  }

  private async fromHistory(wanted: Set<string>, found: Map<string, string>): Promise<void> {
    const maxPages = this.options.maxPages ?? 20;
    for (let page = 1; page <= maxPages && found.size < wanted.size; page++) {
      const { rows, totalPages } = await this.oxen.listGenerationCosts({ repo: this.options.tagRepo, status: 'succeeded', page, page_size: 1000 });
      for (const row of rows) if (wanted.has(row.generation_id) && row.cost) found.set(row.generation_id, row.cost);
      if (page >= totalPages || rows.length === 0) break;
    }
  }
}

/** The job's charged total in dollars, or undefined when any of its videos' cost is unknown (or none was made). */
export function chargedUsd(job: Pick<JobRecord, 'generations'>): number | undefined {
  const made = job.generations.filter((g) => g.status === 'succeeded');
  if (made.length === 0 || made.some((g) => g.cost === undefined)) return undefined;
  const total = made.reduce((sum, g) => sum + Number(g.cost), 0);
  return Number.isFinite(total) ? total : undefined;
}
