/**
 * One discord.js Client per shard this replica runs, made with discord.js's own `shards` and
 * `shardCount` options: a shard can be taken or given back (leases.ts) without touching the
 * others' connections. Identifies wait for their turn (identify-throttle.ts). A close Discord
 * will not take back (fatal-closes.ts) stops that shard for good: one clear log line, the shard
 * reported not connected, no reconnecting.
 */
import { Client, Events, Status, type ClientOptions } from 'discord.js';
import type { IIdentifyThrottler } from '@discordjs/ws';
import type { Logger } from '../../core/log.js';
import { GatewayRefused, isFatalClose } from './fatal-closes.js';

export interface ShardState {
  id: number;
  connected: boolean;
}

export interface ShardClientsOptions {
  /** Intents, REST, caches...: the same for every shard. */
  clientOptions: ClientOptions;
  token: string;
  shardCount: number;
  throttler: IIdentifyThrottler;
  /** Adds the bot's event handlers to a new shard's client. */
  attach(client: Client): void;
  log: Logger;
  /** A shard was refused for good (already logged). */
  onRefused(refusal: GatewayRefused): void;
}

interface RunningShard {
  client: Client;
  /** Settles when the shard is first ready (or refused, or closed before that). */
  ready: Promise<void>;
  /** Settles `ready` when the shard is closed before it was ready (given back while connecting). */
  closedEarly(): void;
}

export class ShardClients {
  private readonly running = new Map<number, RunningShard>();

  constructor(private readonly options: ShardClientsOptions) {}

  /** Connects shard `id` (if not already running); the promise settles when it is ready or refused. */
  open(id: number): Promise<void> {
    const existing = this.running.get(id);
    if (existing) return existing.ready;
    const { clientOptions, shardCount, throttler, log } = this.options;
    const client = new Client({ ...clientOptions, shards: [id], shardCount, ws: { ...clientOptions.ws, buildIdentifyThrottler: () => throttler } });
    this.options.attach(client);
    let closedEarly = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      closedEarly = resolve;
      client.once(Events.ClientReady, () => {
        log.info('discord.shard_ready', { shard: id, shards: shardCount, guilds: client.guilds.cache.size });
        resolve();
      });
      const refuse = (code: number) => {
        const refusal = new GatewayRefused(code, id);
        log.error('discord.gateway_refused', { shard: id, shards: shardCount, code, reason: refusal.message });
        this.options.onRefused(refusal);
        reject(refusal);
      };
      client.on(Events.ShardDisconnect, (event) => {
        if (isFatalClose(event.code)) refuse(event.code);
      });
      client.login(this.options.token).catch((error: unknown) => {
        // discord.js's names for a token refused at GET /gateway/bot and a refused intent.
        const code = (error as { code?: unknown }).code;
        if (code === 'TokenInvalid') return refuse(4004);
        if (code === 'DisallowedIntents') return refuse(4014);
        reject(new Error(`Discord login failed: ${error instanceof Error ? error.message : String(error)}`));
      });
    });
    // Whoever waits for it handles the failure; the shard itself is left for close().
    ready.catch(() => undefined);
    this.running.set(id, { client, ready, closedEarly });
    return ready;
  }

  async close(id: number): Promise<void> {
    const shard = this.running.get(id);
    if (!shard) return;
    this.running.delete(id);
    shard.closedEarly();
    await shard.client.destroy().catch((error: unknown) => this.options.log.warn('discord.shard_close_failed', { shard: id, error }));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.close(id)));
  }

  /** Every shard this replica runs, and whether its session is up now (not reconnecting, not refused). */
  states(): ShardState[] {
    return [...this.running.entries()].sort(([a], [b]) => a - b).map(([id, { client }]) => ({ id, connected: client.ws.shards.get(id)?.status === Status.Ready }));
  }

  clients(): Client[] {
    return [...this.running.values()].map((s) => s.client);
  }
}
