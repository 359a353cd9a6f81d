/**
 * The Discord adapter: a discord.js Client for the gateway and interactions, REST with the bot
 * token for everything the core asks of the port. `createDiscordAdapter` is what main.ts calls.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Events, GatewayIntentBits, MessageFlags, Options, REST, Routes, type ClientOptions } from 'discord.js';
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
}

/** How long a replica that is shutting down leaves a message or interaction to the others. */
const STOPPING_YIELD_MS = 1_000;

const GATEWAY_CLOSE_REASONS: Record<number, string> = {
  4004: 'Discord refused DISCORD_TOKEN (authentication failed). Check the bot token in the Developer Portal.',
  4014: 'Discord refused the Message Content intent. Turn it on in the Developer Portal (Bot → Privileged Gateway Intents), or set DISCORD_MESSAGE_CONTENT=false.',
};

export function createDiscordAdapter(config: DiscordAdapterConfig, deps: DiscordAdapterDeps): PlatformAdapter {
  const log = deps.log.child({ platform: 'discord' });
  const intents = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, ...(config.messageContentIntent ? [GatewayIntentBits.MessageContent] : [])];
  const clientOptions: ClientOptions = {
    intents,
    rest: { api: config.apiUrl, makeRequest },
    allowedMentions: { parse: [] },
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 20 }),
  };
  const client = new Client(clientOptions);
  // The port may be used before start (the engine resumes jobs at once), so the token is set now.
  client.rest.setToken(config.token);
  const uploadRest = new REST({ api: config.apiUrl, makeRequest, timeout: deps.uploadTimeoutMs ?? 10 * 60_000, retries: 0 }).setToken(config.token);

  let context: AdapterContext | undefined;
  let accepting = true;
  const service = (): VideoService => {
    if (!context) throw new Error('the Discord adapter is not started');
    return context.service;
  };
  const botId = () => client.user?.id ?? config.applicationId;

  const editor = new StatusEditor(
    async (channelId, messageId, body) => {
      try {
        await client.rest.patch(Routes.channelMessage(channelId, messageId), { body });
      } catch (error) {
        if (apiCode(error) === DISCORD_CODES.unknownMessage || apiCode(error) === DISCORD_CODES.unknownChannel) return; // deleted by someone
        throw error;
      }
    },
    log,
    deps.statusEdits,
  );
  const port = new DiscordPort({
    rest: client.rest,
    uploadRest,
    editor,
    log,
    botId,
    cachedTier: (guildId) => client.guilds.cache.get(guildId)?.premiumTier,
    ...(deps.uploadLimitForTier ? { uploadLimitForTier: deps.uploadLimitForTier } : {}),
  });
  const router = new InteractionRouter({ service, rest: client.rest, log, botId, accepting: () => accepting });

  // Every gateway session of the bot (one per replica) receives every interaction and message:
  // only the replica whose claim is new answers; the others do nothing at all.
  const ownMemoryClaims = memoryClaims();
  const claim = async (kind: ClaimKind, id: string): Promise<boolean> => {
    const claims = context?.claims ?? ownMemoryClaims;
    // Shutting down: a running replica (Discord sent it this too) takes it first; only if none has
    // within a moment (this is the last one) does this one claim it, to say it is restarting.
    if (!accepting && claims.shared) await sleep(STOPPING_YIELD_MS);
    return claims.claimOnce(kind, id);
  };
  client.on(Events.InteractionCreate, (interaction) => {
    if (!interaction.isRepliable()) return; // autocomplete: nothing is offered
    void (async () => {
      try {
        if (!(await claim('discord:interaction', interaction.id))) return void log.info('discord.claimed_elsewhere', { interactionId: interaction.id });
      } catch (error) {
        // No replica could claim it (the store is down): say so rather than leave "did not respond".
        log.error('discord.claim_failed', { interactionId: interaction.id, error });
        await interaction.reply({ content: CLAIM_FAILED_TEXT, flags: MessageFlags.Ephemeral }).catch(() => undefined);
        return;
      }
      await router.handle(interaction).catch((error: unknown) => log.error('discord.interaction_failed', { interactionId: interaction.id, error }));
    })();
  });
  client.on(Events.MessageCreate, (message) => {
    handleMention({ service, rest: client.rest, log, botId, messageContentIntent: config.messageContentIntent, accepting: () => accepting, claim }, message).catch((error: unknown) =>
      log.error('discord.mention_failed', { messageId: message.id, error }),
    );
  });
  client.on(Events.Error, (error) => log.error('discord.client_error', { error }));
  client.on(Events.Warn, (message) => log.warn('discord.client_warning', { message }));

  return {
    platform: 'discord',
    port,
    async start(ctx) {
      context = ctx;
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => fail(new Error('Discord did not become ready in time: check DISCORD_API_URL and the network.')), deps.readyTimeoutMs ?? 60_000);
        const onClose = (event: { code: number }) => {
          const reason = GATEWAY_CLOSE_REASONS[event.code];
          if (reason) fail(new Error(reason));
        };
        const fail = (error: Error) => {
          clearTimeout(timer);
          client.off(Events.ShardDisconnect, onClose);
          void client.destroy().catch(() => undefined);
          reject(error);
        };
        client.on(Events.ShardDisconnect, onClose);
        client.once(Events.ClientReady, () => {
          clearTimeout(timer);
          client.off(Events.ShardDisconnect, onClose);
          log.info('discord.ready', { user: client.user?.tag, guilds: client.guilds.cache.size, messageContentIntent: config.messageContentIntent });
          resolve();
        });
        client.login(config.token).catch((error: unknown) => {
          const code = (error as { code?: unknown }).code;
          fail(new Error(code === 'TokenInvalid' ? GATEWAY_CLOSE_REASONS[4004]! : code === 'DisallowedIntents' ? GATEWAY_CLOSE_REASONS[4014]! : `Discord login failed: ${error instanceof Error ? error.message : String(error)}`));
        });
      });
    },
    stopAccepting() {
      accepting = false;
    },
    async close() {
      await editor.flush(5_000);
      editor.close();
      await client.destroy();
    },
    isConnected() {
      return client.isReady();
    },
  };
}
