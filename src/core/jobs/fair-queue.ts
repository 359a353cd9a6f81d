/**
 * Jobs waiting for a free generation slot, served round-robin between users: one user's ten
 * jobs do not hold up another user's one.
 */
export class FairQueue<T extends { id: string }> {
  private readonly byUser = new Map<string, T[]>();
  /** Users with waiting jobs, in serving order: the head is served next. */
  private turn: string[] = [];

  get size(): number {
    let n = 0;
    for (const jobs of this.byUser.values()) n += jobs.length;
    return n;
  }

  push(user: string, item: T): void {
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
    return item;
  }

  remove(id: string): boolean {
    for (const [user, jobs] of this.byUser) {
      const index = jobs.findIndex((j) => j.id === id);
      if (index < 0) continue;
      jobs.splice(index, 1);
      if (jobs.length === 0) {
        this.byUser.delete(user);
        this.turn = this.turn.filter((u) => u !== user);
      }
      return true;
    }
    return false;
  }

  /** 1-based place of every waiting item in serving order. */
  positions(): Map<string, number> {
    const places = new Map<string, number>();
    const queues = this.turn.map((user) => this.byUser.get(user) ?? []);
    let place = 1;
    for (let round = 0; places.size < this.size; round++) {
      for (const jobs of queues) {
        const item = jobs[round];
        if (item) places.set(item.id, place++);
      }
    }
    return places;
  }
}
