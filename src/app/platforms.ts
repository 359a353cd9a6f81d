/**
 * The platform adapters for the configured platforms only. src/discord and src/slack are imported
 * on demand, so a bot with one platform never loads the other's library (discord.js, Bolt).
 */
import type { PlatformAdapter } from '../core/adapter.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';

export async function createPlatformAdapters(config: Config, log: Logger): Promise<PlatformAdapter[]> {
  const adapters: PlatformAdapter[] = [];
  // Each adapter adds its own `platform` field to its log lines.
  if (config.discord) {
    const { createDiscordAdapter } = await import('../discord/index.js');
    // A refused gateway (bad token, sharding required...) leaves the bot up and not ready: exiting would only be restarted into the same refusal.
    adapters.push(createDiscordAdapter(config.discord, { log, whenRefused: 'stay-unready' }));
  }
  if (config.slack) {
    const { createSlackAdapter } = await import('../slack/index.js');
    adapters.push(createSlackAdapter(config.slack, { log }));
  }
  return adapters;
}
