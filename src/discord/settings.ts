/**
 * `/video-settings show | set | reset`. Anyone may look; changes need Manage Server, read from
 * the interaction's own member permissions each time (not from the command's registration), so
 * a member's crafted interaction is refused with a sentence and changes nothing.
 */
import { MessageFlags, PermissionFlagsBits, type ChatInputCommandInteraction } from 'discord.js';
import type { Logger } from '../core/log.js';
import { code, DISCORD_TEXT_LIMIT, fitList } from '../core/messages.js';
import type { VideoService } from '../core/service.js';
import { describeSettings, describeUsage } from '../core/settings/describe.js';
import { SETTING_INFO, settingByKey, type SettingScope } from '../core/settings/model.js';
import type { Problem } from '../core/result.js';
import { discordSentences } from './submit.js';
import { NO_MENTIONS } from './render.js';

export const NOT_IN_SERVER_TEXT = 'Settings belong to a server: use `/video-settings` in one of its channels.';
const NO_SETTINGS_TEXT = 'This bot keeps no settings (its operator has not enabled them).';
const NOTHING_TO_SET_TEXT = 'Name at least one setting to change, for example `max_resolution`. `/video-settings show` lists what is set.';

const describeOptions = { server: 'server', groupName: (id: string) => `<@&${id}>` };

export async function handleVideoSettings(interaction: ChatInputCommandInteraction, deps: { service: () => VideoService; log: Logger }): Promise<void> {
  await interaction.deferReply({ flags: MessageFlags.Ephemeral });
  const answer = (content: string) => interaction.editReply({ content: content.slice(0, 2000), allowedMentions: NO_MENTIONS });
  const settings = deps.service().serverSettings;
  if (!settings) return void (await answer(NO_SETTINGS_TEXT));
  if (!interaction.inGuild()) return void (await answer(NOT_IN_SERVER_TEXT));
  const place = { platform: 'discord' as const, scopeId: interaction.guildId, channelId: interaction.channelId };
  const actor = { userId: interaction.user.id, mayManage: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild) ?? false };
  const sub = interaction.options.getSubcommand();

  const current = async (heading: string) => {
    const [scope, usage] = await Promise.all([settings.get(place), settings.usage(place, interaction.user.id)]);
    const lines = [...describeSettings(scope, place.channelId, describeOptions), ...describeUsage(usage, describeOptions)];
    return fitList(heading, lines, 0, DISCORD_TEXT_LIMIT, (n) => `…and ${n} more.`);
  };
  if (sub === 'show') return void (await answer(await current("The video bot's settings here:")));

  const scope = interaction.options.getString('scope', true) as SettingScope;
  if (sub === 'reset') {
    const key = interaction.options.getString('setting');
    const name = key ? settingByKey(key) : undefined;
    const result = await settings.reset(place, actor, scope, name ? [name] : []);
    if (!result.ok) return void (await answer(refusal(result.problems)));
    deps.log.info('discord.settings_reset', { guild: place.scopeId, channel: place.channelId, scope, setting: key ?? 'all', user: actor.userId });
    return void (await answer(await current(`Forgot ${name ? code(SETTING_INFO[name].key) : 'every setting'} of this ${scope}. Now:`)));
  }

  const typed: Record<string, string> = {};
  for (const option of interaction.options.data[0]?.options ?? []) {
    if (option.name === 'scope' || option.value === undefined) continue;
    typed[option.name] = typeof option.value === 'boolean' ? (option.value ? 'on' : 'off') : String(option.value);
  }
  if (!actor.mayManage) return void (await answer(refusal([{ code: 'settings.not_admin' }])));
  if (Object.keys(typed).length === 0) return void (await answer(NOTHING_TO_SET_TEXT));
  const unknownRoles = await unknownRolesIn(interaction, typed['allowed_roles']);
  if (unknownRoles.length > 0) return void (await answer(`These are not roles of this server: ${unknownRoles.map(code).join(', ')}. Mention roles, like @video-makers, or write \`everyone\`.`));
  const result = await settings.change(place, actor, scope, typed);
  if (!result.ok) return void (await answer(refusal(result.problems)));
  deps.log.info('discord.settings_changed', { guild: place.scopeId, channel: place.channelId, scope, settings: Object.keys(typed), user: actor.userId });
  return void (await answer(await current(`Saved for this ${scope}. Now:`)));
}

function refusal(problems: readonly Problem[]): string {
  return fitList('Nothing was changed:', problems.map((p) => `• ${discordSentences.problem(p)}`), 0, DISCORD_TEXT_LIMIT, (n) => `…and ${n} more.`);
}

/** Role ids typed for `allowed_roles` that this server does not have (from the guild's roles). */
async function unknownRolesIn(interaction: ChatInputCommandInteraction, typed: string | undefined): Promise<string[]> {
  if (!typed || /^\s*@?everyone\s*$/i.test(typed)) return [];
  const ids = [...typed.matchAll(/<@&(\d+)>|\b(\d{5,25})\b/g)].map((m) => m[1] ?? m[2]!);
  if (ids.length === 0) return [];
  const roles = interaction.guild ? interaction.guild.roles.cache : undefined;
  const known = roles && roles.size > 0 ? new Set(roles.keys()) : new Set((await interaction.client.rest.get(`/guilds/${interaction.guildId}/roles`) as { id: string }[]).map((r) => r.id));
  return ids.filter((id) => !known.has(id));
}
