/**
 * Settings in words, for every platform: what a server (workspace) and a channel set, today's
 * use of the allowances, and which of a job's values came from settings rather than the request.
 * Plain text with `code` spans, which both Discord and Slack render.
 */
import type { JobRecord } from '../jobs/job.js';
import { code } from '../messages.js';
import type { GenerationOptions } from '../request.js';
import { formatSettingValue, SETTING_INFO, SETTING_NAMES, type ScopeSettings, type SettingsLayer } from './model.js';
import type { Usage } from './settings.js';

const OPTION_WORDS: Partial<Record<keyof GenerationOptions, string>> = {
  tier: 'tier',
  resolution: 'resolution',
  duration: 'length',
  aspectRatio: 'aspect ratio',
  audio: 'audio',
  watermark: 'watermark',
  count: 'count',
};

const optionValue = (option: keyof GenerationOptions, value: unknown) =>
  typeof value === 'boolean' ? (value ? 'on' : 'off') : option === 'duration' && typeof value === 'number' ? `${value} s` : String(value);

/**
 * "From this channel's settings: length `5 s`. From the server's: resolution `720p`." Undefined
 * when every value was the request's own (or the job predates settings).
 */
export function settingOrigins(job: Pick<JobRecord, 'settingSources' | 'request'>, server = 'server'): string | undefined {
  const sources = job.settingSources ?? {};
  const part = (scope: 'channel' | 'server') => {
    const options = (Object.keys(sources) as (keyof GenerationOptions)[]).filter((o) => sources[o] === scope && OPTION_WORDS[o]);
    return options.map((o) => `${OPTION_WORDS[o]} ${code(optionValue(o, job.request.options[o]))}`).join(', ');
  };
  const channel = part('channel');
  const fromServer = part('server');
  const parts = [channel ? `this channel's settings: ${channel}` : '', fromServer ? `the ${server}'s settings: ${fromServer}` : ''].filter(Boolean);
  return parts.length > 0 ? `From ${parts.join('; from ')}.` : undefined;
}

/** One line per setting a layer has, or a line saying it has none. */
export function layerLines(layer: SettingsLayer, none: string, groupName: (id: string) => string): string[] {
  const names = SETTING_NAMES.filter((name) => layer[name] !== undefined);
  if (names.length === 0) return [`• ${none}`];
  return names.map((name) => {
    const value = layer[name];
    const shown = name === 'allowedGroups' && Array.isArray(value) ? value.map(groupName).join(', ') : code(formatSettingValue(name, value));
    return `• ${SETTING_INFO[name].label} (${code(SETTING_INFO[name].key)}): ${shown}`;
  });
}

export interface DescribeOptions {
  /** "server" or "workspace". */
  server: string;
  /** How a role or user group is shown (a mention); default its id in `code`. */
  groupName?: (id: string) => string;
}

/** What the server (workspace) and this channel set, each under a heading. */
export function describeSettings(settings: ScopeSettings, channelId: string, options: DescribeOptions): string[] {
  const groupName = options.groupName ?? ((id: string) => code(id));
  return [
    `*This ${options.server}:*`,
    ...layerLines(settings.server, "nothing set: the operator's defaults and limits apply", groupName),
    '*This channel:*',
    ...layerLines(settings.channels[channelId] ?? {}, `nothing set: the ${options.server}'s settings apply`, groupName),
  ];
}

const seconds = (n: number) => `${Number(n.toFixed(1))} video-seconds`;
const dollars = (n: number) => `$${n.toFixed(2)}`;
const ofLimit = (used: string, limit: string | undefined) => (limit ? `${used} of ${limit}` : `${used} (no limit)`);

/** Today's use of the allowances (UTC). */
export function describeUsage(usage: Usage, options: Pick<DescribeOptions, 'server'>): string[] {
  const { limits } = usage;
  return [
    `*Today (${usage.day}, UTC):*`,
    `• This ${options.server}: ${ofLimit(seconds(usage.scope.videoSeconds), limits.videoSecondsPerDay !== undefined ? seconds(limits.videoSecondsPerDay) : undefined)}` +
      (usage.scope.usd > 0 || limits.usdPerDay !== undefined ? `, ${ofLimit(dollars(usage.scope.usd), limits.usdPerDay !== undefined ? dollars(limits.usdPerDay) : undefined)}` : ''),
    `• You: ${ofLimit(seconds(usage.person.videoSeconds), limits.personVideoSecondsPerDay !== undefined ? seconds(limits.personVideoSecondsPerDay) : undefined)}` +
      (usage.person.usd > 0 || limits.personUsdPerDay !== undefined ? `, ${ofLimit(dollars(usage.person.usd), limits.personUsdPerDay !== undefined ? dollars(limits.personUsdPerDay) : undefined)}` : ''),
  ];
}
