/**
 * The gateway side of the adapter: how many shards (DISCORD_SHARD_COUNT, or what `GET
 * /gateway/bot` recommends), which of them this replica runs, and their connections.
 *
 * - Several replicas on a shared store and more than one shard: each runs its share, through
 *   leases (leases.ts).
 * - One shard: every replica connects it, as before sharding: Discord sends each of them every
 *   event and the claims (src/core/claims.ts) let one handle it; a replica dying loses nothing.
 * - The embedded store (one instance): this process runs every shard.
 * Identifies take turns per `max_concurrency` bucket across all of them (identify-throttle.ts).
 */
import { Routes, type ClientOptions, type Client, type REST, type RESTGetAPIGatewayBotResult } from 'discord.js';
import type { Logger } from '../../core/log.js';
import { FATAL_CLOSE_REASONS, GatewayRefused } from './fatal-closes.js';
import { sharedIdentifyThrottler } from './identify-throttle.js';
import { memoryLeases, type ShardLeaseStore } from './lease-store.js';
import { DEFAULT_SHARD_LEASES, ShardLeases, type ShardLeaseSettings } from './leases.js';
import { ShardClients, type ShardState } from './shard-clients.js';

export interface ShardSettings extends ShardLeaseSettings {
  /** One identify per max_concurrency bucket in this window (Discord: 5 s, plus a margin). */
  identifyWindowMs: number;
  /** How often a shard waiting for its identify turn asks again. */
  identifyPollMs: number;
}

export const DEFAULT_SHARD_SETTINGS: ShardSettings = { ...DEFAULT_SHARD_LEASES, identifyWindowMs: 5_500, identifyPollMs: 250 };

export interface ShardPlan {
  count: number;
  /** What Discord recommends now. */
  recommended: number;
  maxConcurrency: number;
  /** Whether the shards are spread over replicas by leases. */
  leased: boolean;
}

export interface GatewayShardsOptions {
  rest: REST;
  token: string;
  /** DISCORD_SHARD_COUNT, when set. */
  configuredCount?: number;
  clientOptions: ClientOptions;
  attach(client: Client): void;
  log: Logger;
  /** The shared store, for the leases and identify turns; without it this process runs every shard. */
  store?: ShardLeaseStore;
  /** This replica's name in the store. */
  owner: string;
  settings: ShardSettings;
}

export class GatewayShards {
  plan: ShardPlan | undefined;
  /** Set once Discord refused a shard for good: the replica stays up, not ready, and does not retry. */
  refusal: GatewayRefused | undefined;
  private clients: ShardClients | undefined;
  private leases: ShardLeases | undefined;

  constructor(private readonly options: GatewayShardsOptions) {}

  /** Connects this replica's shards; resolves when they are ready, rejects with a GatewayRefused or a timeout. */
  async start(readyTimeoutMs: number): Promise<void> {
    const { store, settings, log } = this.options;
    const plan = await this.fetchPlan();
    this.plan = plan;
    const throttler = sharedIdentifyThrottler(store ?? memoryLeases(), { maxConcurrency: plan.maxConcurrency, windowMs: settings.identifyWindowMs, pollMs: settings.identifyPollMs, log });
    const clients = new ShardClients({
      clientOptions: this.options.clientOptions,
      token: this.options.token,
      shardCount: plan.count,
      throttler,
      attach: (client) => this.options.attach(client),
      log,
      onRefused: (refusal) => (this.refusal ??= refusal),
    });
    this.clients = clients;
    log.info('discord.shards', { shards: plan.count, recommended: plan.recommended, maxConcurrency: plan.maxConcurrency, leased: plan.leased });

    let ids: number[];
    if (plan.leased) {
      this.leases = new ShardLeases(store!, { count: plan.count, owner: this.options.owner, settings, runner: { start: (id) => void clients.open(id), stop: (id) => clients.close(id) }, log });
      await this.leases.begin();
      ids = [...this.leases.held];
    } else {
      ids = [...Array(plan.count).keys()];
    }
    // Identifies take turns: more shards in a bucket need more windows.
    const turns = Math.ceil(ids.length / plan.maxConcurrency);
    await within(Promise.all(ids.map((id) => clients.open(id))), readyTimeoutMs + Math.max(0, turns - 1) * settings.identifyWindowMs);
  }

  private async fetchPlan(): Promise<ShardPlan> {
    let info: RESTGetAPIGatewayBotResult;
    try {
      info = (await this.options.rest.get(Routes.gatewayBot())) as RESTGetAPIGatewayBotResult;
    } catch (error) {
      if ((error as { status?: unknown }).status === 401) {
        this.refusal = new GatewayRefused(4004);
        this.options.log.error('discord.gateway_refused', { code: 4004, reason: FATAL_CLOSE_REASONS[4004] });
        throw this.refusal;
      }
      throw new Error(`Discord login failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    const count = this.options.configuredCount ?? Math.max(1, info.shards);
    return { count, recommended: info.shards, maxConcurrency: Math.max(1, info.session_start_limit.max_concurrency), leased: Boolean(this.options.store?.shared) && count > 1 };
  }

  /** The shards this replica runs now. */
  states(): ShardState[] {
    return this.clients?.states() ?? [];
  }

  /** Not refused, and every shard this replica runs is connected. */
  connected(): boolean {
    if (this.refusal || !this.clients) return false;
    return this.states().every((s) => s.connected);
  }

  runningClients(): Client[] {
    return this.clients?.clients() ?? [];
  }

  /**
   * Shutting down: the shards this replica holds by lease go back now, so the others take them
   * on their next round instead of when the leases expire (this replica would only answer
   * "restarting" meanwhile). Unleased shards stay connected until close().
   */
  async handBack(): Promise<void> {
    await this.leases?.end();
  }

  async close(): Promise<void> {
    await this.leases?.end();
    await this.clients?.closeAll();
  }
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('Discord did not become ready in time: check DISCORD_API_URL and the network.')), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
