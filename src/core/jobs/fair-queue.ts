/**
 * The waiting line, shared by every instance through the store: jobs waiting for a global
 * generation slot, served round-robin between people (one person's ten jobs do not hold up
 * another's one), in the same order whichever instance looks.
 *
 * The order is kept as numbers in the store, so no instance has to replay anything: a job joins
 * in round max(served + 1, its person's last round in line + 1), where `served` is the round of
 * the last job taken out to run; the line is ordered by round, then by arrival. So a person's
 * second job waits for everyone's first, and a person who comes back joins at the back of the
 * current round. Positions are ranks in that order.
 *
 * Every change bumps the line's version. Positions are read from a cache that is checked against
 * the version at most every `ttlMs` (also after this instance's own changes: ten thousand
 * admissions must not cost ten thousand walks of the line), so a status edit costs nothing, and
 * the whole order is read at most once per `ttlMs`, only when it changed. What a person asks for
 * (their job list, a refusal naming their jobs) is read fresh.
 */

/** The line's primitives, atomic in each store: line-redis.ts (shared), line-memory.ts (the single-process SQLite store). */
export interface LineStore {
  /** Puts `id` in line for `user`; false (and its place kept) when it is in line already. */
  add(id: string, user: string): Promise<boolean>;
  /** Takes `id` out of the line; `served`: taken to run, so the line's round moves on. False when it was not in line. */
  remove(id: string, served: boolean): Promise<boolean>;
  /** The first `limit` ids (all when not given) in serving order. */
  order(limit?: number): Promise<string[]>;
  /** Changes with every add and remove. */
  version(): Promise<number>;
}

export interface WaitingLineOptions {
  /** How long positions are used before the line's version is checked again. */
  ttlMs: number;
  now?: () => number;
}

export class WaitingLine {
  private cache = new Map<string, number>();
  private version = -1;
  private checkedAt = -Infinity;
  private refreshing: Promise<Map<string, number>> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly store: LineStore,
    private readonly options: WaitingLineOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  async add(id: string, user: string): Promise<void> {
    await this.store.add(id, user);
  }

  /** `served`: taken out to run (the round moves on), rather than cancelled or ended. */
  remove(id: string, served: boolean): Promise<boolean> {
    return this.store.remove(id, served);
  }

  /** The first `limit` waiting ids, straight from the store (for dispatch). */
  head(limit: number): Promise<string[]> {
    return limit > 0 ? this.store.order(limit) : Promise.resolve([]);
  }

  /**
   * 1-based place of every waiting job, from the cache when it was checked within `ttlMs`;
   * `fresh`: checked against the store now. Read the map, do not change it.
   */
  positions({ fresh = false } = {}): Promise<Map<string, number>> {
    if (fresh) return this.refresh();
    if (this.now() - this.checkedAt < this.options.ttlMs) return Promise.resolve(this.cache);
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** The positions as last read, without asking the store (may be up to `ttlMs` old). */
  cachedPositions(): Map<string, number> {
    if (this.now() - this.checkedAt >= this.options.ttlMs) void this.positions().catch(() => undefined);
    return this.cache;
  }

  private async refresh(): Promise<Map<string, number>> {
    const startedAt = this.now();
    const version = await this.store.version();
    if (version !== this.version) {
      const ids = await this.store.order();
      const places = new Map<string, number>();
      ids.forEach((id, i) => places.set(id, i + 1));
      this.cache = places;
      this.version = version;
    }
    this.checkedAt = startedAt;
    return this.cache;
  }
}
