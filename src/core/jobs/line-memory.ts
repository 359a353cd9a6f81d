/**
 * The waiting line (fair-queue.ts) in this process's memory, for the embedded SQLite store: one
 * process owns that file, so no other instance needs to see the line, and after a restart every
 * waiting job is put back in line as it is taken over. Nothing is written per job (a line in the
 * file cost a dozen writes per admission). Kept sorted by (round, arrival): add, remove and head
 * are a binary search and one splice.
 */
import type { LineStore } from './fair-queue.js';

interface Entry {
  id: string;
  user: string;
  round: number;
  seq: number;
}

export class MemoryLine implements LineStore {
  private readonly sorted: Entry[] = [];
  private readonly byId = new Map<string, Entry>();
  /** Each person's entries in line, for their last round. */
  private readonly byUser = new Map<string, Set<Entry>>();
  private served = 0;
  private seq = 0;
  private changes = 0;

  async add(id: string, user: string): Promise<boolean> {
    if (this.byId.has(id)) return false;
    let last = 0;
    for (const entry of this.byUser.get(user) ?? []) last = Math.max(last, entry.round);
    const entry: Entry = { id, user, round: Math.max(this.served + 1, last + 1), seq: ++this.seq };
    this.sorted.splice(this.indexAfter(entry), 0, entry);
    this.byId.set(id, entry);
    const mine = this.byUser.get(user);
    if (mine) mine.add(entry);
    else this.byUser.set(user, new Set([entry]));
    this.changes++;
    return true;
  }

  async remove(id: string, served: boolean): Promise<boolean> {
    const entry = this.byId.get(id);
    if (!entry) return false;
    this.sorted.splice(this.indexAfter(entry) - 1, 1);
    this.byId.delete(id);
    const mine = this.byUser.get(entry.user)!;
    mine.delete(entry);
    if (mine.size === 0) this.byUser.delete(entry.user);
    if (served) this.served = Math.max(this.served, entry.round);
    this.changes++;
    return true;
  }

  async order(limit?: number): Promise<string[]> {
    return this.sorted.slice(0, limit ?? this.sorted.length).map((e) => e.id);
  }

  async version(): Promise<number> {
    return this.changes;
  }

  /** Where `entry` goes (or, when it is in line, the index just after it). */
  private indexAfter(entry: Entry): number {
    let low = 0;
    let high = this.sorted.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const other = this.sorted[mid]!;
      if (other.round < entry.round || (other.round === entry.round && other.seq <= entry.seq)) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
