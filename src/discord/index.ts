/**
 * The Discord adapter: discord.js Clients for the gateway shards this replica runs (shards/) and
 * interactions, REST with the bot token for everything the core asks of the port.
 * `createDiscordAdapter` is what main.ts calls.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Events, GatewayIntentBits, MessageFlags, Options, REST, Routes, type Client, type ClientOptions } from 'discord.js';
import type { AdapterContext, PlatformAdapter } from '../core/adapter.js';
import { memoryClaims, type ClaimKind } from '../core/claims.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import type { VideoService } from '../core/service.js';
import { apiCode, CLAIM_FAILED_TEXT, DISCORD_CODES } from './errors.js';
import { makeRequest } from './rest.js';
import { InteractionRouter } from './interactions.js';
import { handleMention } from './mentions.js';
import { DiscordPort } from './port.js';
import { StatusEditor, type StatusEditorSettings } from './status-editor.js';
import { GatewayRefused } from './shards/fatal-closes.js';
import { DEFAULT_SHARD_SETTINGS, GatewayShards, type ShardSettings } from './shards/gateway-shards.js';
import { isStoreUnreachable, STORE_UNREACHABLE_TEXT } from '../core/jobs/store-unreachable.js';

export { commandDefinitions } from './commands.js';
export { registerCommands } from './register.js';

export type DiscordAdapterConfig = NonNullable<Config['discord']>;

export interface DiscordAdapterDeps {
  log: Logger;
  /** Throttling of status edits (tests shorten it). */
  statusEdits?: Partial<StatusEditorSettings>;
  /** Test hook: the upload limit for a boost tier. */
  uploadLimitForTier?: (tier: number) => number;
  /** Upload timeout; long, because a timed-out upload that is retried posts twice. */
  uploadTimeoutMs?: number;
  /** How long start() waits for the gateway to be ready. */
  readyTimeoutMs?: number;
  /** Shard lease and identify timings (tests shorten them). */
  shards?: Partial<ShardSettings>;
  /**
   * When Discord refuses the gateway for good (bad token, sharding required, a refused intent...):
   * `reject` makes start() fail with the reason; `stay-unready` (the app) logs it and stays up,
   * not ready, without reconnecting, so a supervisor does not restart it in a loop.
   */
  whenRefused?: 'reject' | 'stay-unready';
}

/** How long a replica that is shutting down leaves a message or interaction to the others. */
const STOPPING_YIELD_MS = 1_000;

export function createDiscordAdapter(config: DiscordAdapterConfig, deps: DiscordAdapterDeps): PlatformAdapter {
  const log = deps.log.child({ platform: 'discord' });
  const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, ...(config.messageContentIntent ? [GatewayIntentBits.MessageContent] : [])];
  const clientOptions: ClientOptions = {
    intents,
    rest: { api: config.apiUrl, makeRequest },
    allowedMentions: { parse: [] },
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 20 }),
  };
  // One REST for the port, the router and mentions; the port may be used before start (the engine resumes jobs at once).
  const rest = new REST({ api: config.apiUrl, makeRequest }).setToken(config.token);
  const uploadRest = new REST({ api: config.apiUrl, makeRequest, timeout: deps.uploadTimeoutMs ?? 10 * 60_000, retries: 0 }).setToken(config.token);

  let context: AdapterContext | undefined;
  let accepting = true;
  const service = (): VideoService => {
    if (!context) throw new Error('the Discord adapter is not started');
    return context.service;
  };
  const shardSettings = { ...DEFAULT_SHARD_SETTINGS, ...deps.shards };
  let gateway: GatewayShards | undefined;
  const clients = () => gateway?.runningClients() ?? [];
  const botId = () => clients().find((c) => c.user)?.user?.id ?? config.applicationId;

  const editor = new StatusEditor(
    async (channelId, messageId, body) => {
      try {
        await rest.patch(Routes.channelMessage(channelId, messageId), { body });
      } catch (error) {
        if (apiCode(error) === DISCORD_CODES.unknownMessage || apiCode(error) === DISCORD_CODES.unknownChannel) return; // deleted by someone
        throw error;
      }
    },
    log,
    deps.statusEdits,
  );
  const port = new DiscordPort({
    rest,
    uploadRest,
    editor,
    log,
    botId,
    cachedTier: (guildId) => clients().find((c) => c.guilds.cache.has(guildId))?.guilds.cache.get(guildId)?.premiumTier,
    ...(deps.uploadLimitForTier ? { uploadLimitForTier: deps.uploadLimitForTier } : {}),
  });
  const router = new InteractionRouter({ service, rest, log, botId, accepting: () => accepting });

  // Every gateway session of a shard receives its interactions and messages (with one shard, each
  // replica holds one); a shard also moves between replicas: only the replica whose claim is new
  // answers; the others do nothing at all.
  const ownMemoryClaims = memoryClaims();
  const claim = async (kind: ClaimKind, id: string): Promise<boolean> => {
    const claims = context?.claims ?? ownMemoryClaims;
    // Shutting down: a running replica (Discord sent it this too) takes it first; only if none has
    // within a moment (this is the last one) does this one claim it, to say it is restarting.
    if (!accepting && claims.shared) await sleep(STOPPING_YIELD_MS);
    return claims.claimOnce(kind, id);
  };
  const attach = (client: Client) => {
    client.on(Events.InteractionCreate, (interaction) => {
      if (!interaction.isRepliable()) return; // autocomplete: nothing is offered
      void (async () => {
        try {
          if (!(await claim('discord:interaction', interaction.id))) return void log.info('discord.claimed_elsewhere', { interactionId: interaction.id });
        } catch (error) {
          // No replica could claim it (the store is down): say so rather than leave "did not respond".
          log.error('discord.claim_failed', { interactionId: interaction.id, error });
          await interaction.reply({ content: isStoreUnreachable(error) ? STORE_UNREACHABLE_TEXT : CLAIM_FAILED_TEXT, flags: MessageFlags.Ephemeral }).catch(() => undefined);
          return;
        }
        await router.handle(interaction).catch((error: unknown) => log.error('discord.interaction_failed', { interactionId: interaction.id, error }));
      })();
    });
    client.on(Events.MessageCreate, (message) => {
      handleMention({ service, rest, log, botId, messageContentIntent: config.messageContentIntent, accepting: () => accepting, claim }, message).catch((error: unknown) =>
        log.error('discord.mention_failed', { messageId: message.id, error }),
      );
    });
    client.on(Events.Error, (error) => log.error('discord.client_error', { error }));
    client.on(Events.Warn, (message) => log.warn('discord.client_warning', { message }));
  };

  return {
    platform: 'discord',
    port,
    async start(ctx) {
      context = ctx;
      gateway = new GatewayShards({
        rest,
        token: config.token,
        ...(config.shardCount ? { configuredCount: config.shardCount } : {}),
        clientOptions,
        attach,
        log,
        ...(ctx.leases ? { store: ctx.leases } : {}),
        owner: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
        settings: shardSettings,
      });
      try {
        await gateway.start(deps.readyTimeoutMs ?? 60_000);
        log.info('discord.ready', { shards: gateway.states().map((s) => s.id), of: gateway.plan?.count, guilds: clients().reduce((n, c) => n + c.guilds.cache.size, 0), messageContentIntent: config.messageContentIntent });
      } catch (error) {
        // Refused for good (already logged): the app stays up and not ready rather than exit and be restarted into the same refusal.
        if (error instanceof GatewayRefused && deps.whenRefused === 'stay-unready') return;
        await gateway.close().catch(() => undefined);
        throw error;
      }
    },
    stopAccepting() {
      accepting = false;
      void gateway?.handBack().catch((error: unknown) => log.warn('discord.shard_hand_back_failed', { error }));
    },
    async close() {
      await editor.flush(5_000);
      editor.close();
      await gateway?.close();
    },
    isConnected() {
      return gateway?.connected() ?? false;
    },
    shards() {
      const count = gateway?.plan?.count;
      return count === undefined ? [] : gateway!.states().map((s) => ({ ...s, count }));
    },
    problem() {
      return gateway?.refusal ? `Discord refused the gateway (close code ${gateway.refusal.code})` : undefined;
    },
  };
}
