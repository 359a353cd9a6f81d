/**
 * Spreads the bot's shards over the replicas that share the store. Each replica holds a lease
 * saying it is alive and is listed in a set of replicas; from the live ones, sorted by name,
 * each works out its own share (the count divided as evenly as can be), holds a lease on that
 * many shards and runs exactly those. Every `renewMs` it renews its leases, gives back shards
 * beyond its share (a new replica came: stopped first, lease released after, so a shard is
 * never connected twice) and takes free shards up to its share (a replica died: its leases
 * expire after `ttlMs`, and whoever is short takes them on the next round).
 */
import type { Logger } from '../../core/log.js';
import type { ShardLeaseStore } from './lease-store.js';

export interface ShardLeaseSettings {
  /** A replica that stops renewing loses its shards after this. */
  ttlMs: number;
  /** How often leases are renewed and shares worked out again. */
  renewMs: number;
}

/** Discord's gateway work moves within about 30 s of a replica dying: 20 s to expire, 5 s to notice. */
export const DEFAULT_SHARD_LEASES: ShardLeaseSettings = { ttlMs: 20_000, renewMs: 5_000 };

export interface ShardRunner {
  /** Begins connecting the shard (does not wait for it). */
  start(shardId: number): void;
  /** Disconnects the shard; resolves once it is closed. */
  stop(shardId: number): Promise<void>;
}

/** A replica's share when `live` replicas split `count` shards, by its place among them. */
export function shareOf(count: number, live: number, rank: number): number {
  return Math.floor(count / live) + (rank < count % live ? 1 : 0);
}

export class ShardLeases {
  /** The shards this replica holds a lease on (and runs). */
  readonly held = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> = Promise.resolve();
  private liveCount = 0;
  private stopped = false;
  private ending: Promise<void> | undefined;

  constructor(
    private readonly store: ShardLeaseStore,
    private readonly options: { count: number; owner: string; settings: ShardLeaseSettings; runner: ShardRunner; log: Logger },
  ) {}

  private get prefix(): string {
    // The count is in every name: replicas started with different counts never share a lease.
    return `discord:shards:${this.options.count}`;
  }
  private shardLease = (id: number) => `${this.prefix}:shard:${id}`;
  private replicaLease = (owner: string) => `${this.prefix}:replica:${owner}`;
  private get replicaSet() {
    return `${this.prefix}:replicas`;
  }

  /** Says this replica is here, waits one round for replicas starting alongside, then takes its share. */
  async begin(): Promise<void> {
    await this.announce();
    await new Promise((resolve) => setTimeout(resolve, this.options.settings.renewMs));
    await this.runRound();
    if (!this.stopped) this.timer = setInterval(() => void this.runRound(), this.options.settings.renewMs);
  }

  /** Stops every shard it holds, then gives the leases back, so the others take them at once. Once. */
  end(): Promise<void> {
    this.ending ??= this.finish();
    return this.ending;
  }

  private async finish(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.round;
    for (const id of [...this.held]) await this.giveBack(id, 'shutdown');
    await this.store.releaseLease(this.replicaLease(this.options.owner), this.options.owner).catch(() => undefined);
    await this.store.leave(this.replicaSet, this.options.owner).catch(() => undefined);
  }

  private runRound(): Promise<void> {
    this.round = this.round.then(() => (this.stopped ? undefined : this.rebalance())).catch((error: unknown) => this.options.log.warn('discord.shard_leases_failed', { error }));
    return this.round;
  }

  private async announce(): Promise<void> {
    const { owner, settings } = this.options;
    await this.store.acquireLease(this.replicaLease(owner), owner, settings.ttlMs);
    await this.store.joinCapped(this.replicaSet, owner, 10_000);
  }

  /** The replicas whose alive-lease still holds, this one included, sorted. */
  private async liveReplicas(): Promise<string[]> {
    const { owner } = this.options;
    const live = [owner];
    for (const other of await this.store.members(this.replicaSet)) {
      if (other === owner) continue;
      // Taking its lease for 1 ms succeeds only when it has expired: that replica is gone.
      if (await this.store.acquireLease(this.replicaLease(other), `probe:${owner}`, 1)) await this.store.leave(this.replicaSet, other);
      else live.push(other);
    }
    return live.sort();
  }

  private async rebalance(): Promise<void> {
    const { count, owner, settings, log } = this.options;
    await this.announce();
    const live = await this.liveReplicas();
    if (live.length !== this.liveCount) log.info('discord.replicas', { live: live.length, shards: count });
    this.liveCount = live.length;
    const rank = live.indexOf(owner);
    const share = shareOf(count, live.length, rank);
    // Shards whose id falls to this rank are preferred, so the spread settles in the same place.
    const home = (id: number) => id % live.length === rank;

    const mine = [...this.held];
    const renewed = await this.store.acquireLeases(mine.map(this.shardLease), owner, settings.ttlMs);
    for (const [i, id] of mine.entries()) {
      if (renewed[i]) continue;
      // Another replica took it while this one was not renewing (a stall): it must stop at once.
      log.warn('discord.shard_lost', { shard: id, shards: count });
      this.held.delete(id);
      await this.options.runner.stop(id);
    }

    const excess = [...this.held].sort((a, b) => Number(home(a)) - Number(home(b)) || b - a).slice(0, Math.max(0, this.held.size - share));
    for (const id of excess) await this.giveBack(id, 'rebalance');

    const wanted = [...Array(count).keys()].filter((id) => !this.held.has(id)).sort((a, b) => Number(home(b)) - Number(home(a)) || a - b);
    for (const id of wanted) {
      if (this.held.size >= share || this.stopped) break;
      if (!(await this.store.acquireLease(this.shardLease(id), owner, settings.ttlMs))) continue;
      this.held.add(id);
      log.info('discord.shard_taken', { shard: id, shards: count, replicas: live.length });
      this.options.runner.start(id);
    }
  }

  private async giveBack(id: number, why: 'rebalance' | 'shutdown'): Promise<void> {
    this.held.delete(id);
    await this.options.runner.stop(id);
    await this.store.releaseLease(this.shardLease(id), this.options.owner).catch(() => undefined);
    this.options.log.info('discord.shard_released', { shard: id, shards: this.options.count, why });
  }
}
