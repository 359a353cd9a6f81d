/**
 * `/video-settings`: show, set and reset the server's or this channel's settings. Registered
 * for members with Manage Server only (default_member_permissions); the handler checks it again
 * from the interaction itself (src/discord/settings.ts), since a server can grant the command to
 * others and a crafted interaction can claim anything the registration would not show.
 */
import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder, type SlashCommandSubcommandBuilder } from 'discord.js';
import { ASPECT_RATIO_CHOICES, durationChoices } from '../core/models/catalog.js';
import { COUNT_MAX, COUNT_MIN, DURATION_MAX, DURATION_MIN, RESOLUTIONS, TIERS, VERSIONS } from '../core/request.js';
import { SERVER_ONLY, SETTING_INFO, SETTING_NAMES, type SettingName } from '../core/settings/model.js';

export const VIDEO_SETTINGS_COMMAND = 'video-settings';

const describe = (name: SettingName) => `${SETTING_INFO[name].label}${SERVER_ONLY.has(name) ? ' (server only)' : ''}`.slice(0, 100);
const choices = (values: readonly (string | number)[]) => values.map((v) => ({ name: String(v === 'auto' ? 'auto' : v), value: String(v) }));

function scopeOption(sub: SlashCommandSubcommandBuilder) {
  return sub.addStringOption((o) =>
    o.setName('scope').setDescription('The whole server, or only this channel').setRequired(true).addChoices({ name: 'This server', value: 'server' }, { name: 'This channel', value: 'channel' }),
  );
}

function addSetting(sub: SlashCommandSubcommandBuilder, name: SettingName): void {
  const key = SETTING_INFO[name].key;
  switch (name) {
    case 'defaultVersion':
      sub.addStringOption((o) => o.setName(key).setDescription(describe(name)).addChoices(...choices(VERSIONS)));
      return;
    case 'defaultTier':
      sub.addStringOption((o) => o.setName(key).setDescription(describe(name)).addChoices(...choices(TIERS)));
      return;
    case 'defaultResolution':
    case 'maxResolution':
      sub.addStringOption((o) => o.setName(key).setDescription(describe(name)).addChoices(...choices(RESOLUTIONS)));
      return;
    case 'defaultDuration':
      sub.addStringOption((o) => o.setName(key).setDescription(describe(name)).addChoices(...choices(durationChoices())));
      return;
    case 'maxDuration':
      sub.addIntegerOption((o) => o.setName(key).setDescription(describe(name)).setMinValue(DURATION_MIN).setMaxValue(DURATION_MAX));
      return;
    case 'defaultAspectRatio':
      sub.addStringOption((o) => o.setName(key).setDescription(describe(name)).addChoices(...choices(ASPECT_RATIO_CHOICES)));
      return;
    case 'defaultCount':
    case 'maxCount':
      sub.addIntegerOption((o) => o.setName(key).setDescription(describe(name)).setMinValue(COUNT_MIN).setMaxValue(COUNT_MAX));
      return;
    case 'defaultAudio':
    case 'defaultWatermark':
    case 'enabled':
      sub.addBooleanOption((o) => o.setName(key).setDescription(describe(name)));
      return;
    case 'personDailySeconds':
    case 'personDailyUsd':
    case 'dailySeconds':
    case 'dailyUsd':
      sub.addNumberOption((o) => o.setName(key).setDescription(describe(name)).setMinValue(0.01));
      return;
    case 'allowedTiers':
      sub.addStringOption((o) => o.setName(key).setDescription(`${describe(name)}: e.g. fast, mini`.slice(0, 100)).setMaxLength(40));
      return;
    case 'allowedGroups':
      sub.addStringOption((o) => o.setName(key).setDescription('Who may use the bot: role mentions, or "everyone"').setMaxLength(1000));
      return;
  }
}

export function videoSettingsCommand() {
  return new SlashCommandBuilder()
    .setName(VIDEO_SETTINGS_COMMAND)
    .setDescription("The video bot's settings for this server and its channels (Manage Server)")
    .setContexts(InteractionContextType.Guild)
    .setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild)
    .addSubcommand((s) => s.setName('show').setDescription("This server's and this channel's settings, and today's use"))
    .addSubcommand((s) => {
      scopeOption(s.setName('set').setDescription('Change settings of the server or of this channel'));
      for (const name of SETTING_NAMES) addSetting(s, name);
      return s;
    })
    .addSubcommand((s) =>
      scopeOption(s.setName('reset').setDescription('Forget one setting, or all, of the server or of this channel')).addStringOption((o) =>
        o
          .setName('setting')
          .setDescription('The setting to forget (all when left out)')
          .addChoices(...SETTING_NAMES.map((name) => ({ name: SETTING_INFO[name].key, value: SETTING_INFO[name].key }))),
      ),
    )
    .toJSON();
}
