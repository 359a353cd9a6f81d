/**
 * `/usage`: today's video-seconds and dollars for the person and for the server, against the
 * allowances, and the server's and channel's settings — the same view as Slack's `/video usage`
 * (src/core/usage.ts). Private to the person; roles are named, never pinged.
 */
import { MessageFlags, SlashCommandBuilder, InteractionContextType, type ChatInputCommandInteraction } from 'discord.js';
import { fitList, DISCORD_TEXT_LIMIT } from '../core/messages.js';
import type { VideoService } from '../core/service.js';
import { usageLines } from '../core/usage.js';
import { NO_MENTIONS } from './render.js';

export const USAGE_COMMAND = 'usage';

export function usageCommand() {
  return new SlashCommandBuilder()
    .setName(USAGE_COMMAND)
    .setDescription("Today's video-seconds and dollars, yours and the server's, against the allowances")
    .setContexts(InteractionContextType.Guild)
    .toJSON();
}

export async function handleUsage(interaction: ChatInputCommandInteraction, deps: { service: () => VideoService }): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const answer = (content: string) => interaction.editReply({ content, allowedMentions: NO_MENTIONS });
  if (!interaction.inGuild()) return void (await answer('Allowances belong to a server: use `/usage` in one of its channels.'));
  const place = { platform: 'discord' as const, scopeId: interaction.guildId, channelId: interaction.channelId };
  const lines = await usageLines(deps.service(), place, interaction.user.id, { server: 'server', groupName: (id) => `<@&${id}>` });
  await answer(fitList('Your use of the video bot today:', lines, 0, DISCORD_TEXT_LIMIT, (n) => `…and ${n} more.`));
}
