/**
 * Jobs waiting for a free generation slot, served round-robin between users: one user's ten
 * jobs do not hold up another user's one.
 *
 * Every operation the engine does per job is O(1) or O(one user's jobs); positions() is O(n)
 * but cached until the queue changes, since views of waiting jobs ask for it again and again.
 * An item already queued is not queued twice (a job adopted by a takeover while it was being
 * admitted would otherwise be served twice).
 */
export class FairQueue<T extends { id: string }> {
  private readonly byUser = new Map<string, T[]>();
  /** Which user each queued item belongs to. */
  private readonly owners = new Map<string, string>();
  /** Users with waiting jobs, in serving order: the head is served next. */
  private turn: string[] = [];
  private cached: Map<string, number> | undefined;

  get size(): number {
    return this.owners.size;
  }

  has(id: string): boolean {
    return this.owners.has(id);
  }

  push(user: string, item: T): void {
    if (this.owners.has(item.id)) return;
    this.owners.set(item.id, user);
    this.cached = undefined;
    const jobs = this.byUser.get(user);
    if (jobs) jobs.push(item);
    else {
      this.byUser.set(user, [item]);
      this.turn.push(user);
    }
  }

  peek(): T | undefined {
    const user = this.turn[0];
    return user === undefined ? undefined : this.byUser.get(user)?.[0];
  }

  /** Takes the next item and moves its user to the back of the line. */
  shift(): T | undefined {
    const user = this.turn.shift();
    if (user === undefined) return undefined;
    const jobs = this.byUser.get(user)!;
    const item = jobs.shift();
    if (jobs.length > 0) this.turn.push(user);
    else this.byUser.delete(user);
    if (item) this.owners.delete(item.id);
    this.cached = undefined;
    return item;
  }

  remove(id: string): boolean {
    const user = this.owners.get(id);
    if (user === undefined) return false;
    this.owners.delete(id);
    this.cached = undefined;
    const jobs = this.byUser.get(user)!;
    const index = jobs.findIndex((j) => j.id === id);
    if (index >= 0) jobs.splice(index, 1);
    if (jobs.length === 0) {
      this.byUser.delete(user);
      this.turn = this.turn.filter((u) => u !== user);
    }
    return true;
  }

  /**
   * 1-based place of every waiting item in serving order. The map is shared until the queue
   * changes: read it, do not change it.
   */
  positions(): Map<string, number> {
    if (this.cached) return this.cached;
    const places = new Map<string, number>();
    const queues = this.turn.map((user) => this.byUser.get(user) ?? []);
    const rounds = queues.reduce((most, jobs) => Math.max(most, jobs.length), 0);
    let place = 1;
    for (let round = 0; round < rounds; round++) {
      for (const jobs of queues) {
        const item = jobs[round];
        if (item) places.set(item.id, place++);
      }
    }
    this.cached = places;
    return places;
  }
}
