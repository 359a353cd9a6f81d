/**
 * What a server (Discord) or workspace (Slack) and each of its channels can set: defaults,
 * maxima, the bot on or off, who may use it, and daily allowances. One zod schema checks what is
 * stored and what an admin types; the adapters read names, labels and allowed values from here.
 */
import { z } from 'zod';
import { ASPECT_RATIOS, COUNT_MAX, COUNT_MIN, DURATION_MAX, DURATION_MIN, RESOLUTIONS, TIERS, VERSIONS, type Resolution } from '../request.js';

/** Where a value came from: the operator's environment and defaults, the server (workspace), or the channel. */
export type SettingSource = 'operator' | 'server' | 'channel';
/** The two places an admin can set things. */
export type SettingScope = 'server' | 'channel';

const duration = z.number().int().min(DURATION_MIN).max(DURATION_MAX);
const count = z.number().int().min(COUNT_MIN).max(COUNT_MAX);
const amount = z.number().positive().max(1_000_000);
/** Discord role ids or Slack user group ids. */
const groupId = z.string().regex(/^[A-Za-z0-9]{1,30}$/);

export const layerSchema = z
  .object({
    defaultVersion: z.enum(VERSIONS),
    defaultTier: z.enum(TIERS),
    defaultResolution: z.enum(RESOLUTIONS),
    defaultDuration: z.union([z.literal('auto'), duration]),
    defaultAspectRatio: z.enum(['auto', ...ASPECT_RATIOS]),
    defaultAudio: z.boolean(),
    defaultWatermark: z.boolean(),
    defaultCount: count,
    maxResolution: z.enum(RESOLUTIONS),
    maxDuration: duration,
    maxCount: count,
    allowedTiers: z.array(z.enum(TIERS)).min(1).max(TIERS.length),
    enabled: z.boolean(),
    allowedGroups: z.array(groupId).min(1).max(25),
    personDailySeconds: amount,
    personDailyUsd: amount,
    dailySeconds: amount,
    dailyUsd: amount,
  })
  .partial();

/** One scope's own settings (absent: inherited). */
export type SettingsLayer = z.infer<typeof layerSchema>;
export type SettingName = keyof SettingsLayer;
export const SETTING_NAMES = Object.keys(layerSchema.shape) as SettingName[];

/** Allowances are counted per server (workspace) and day, so they are set there only. */
export const SERVER_ONLY: ReadonlySet<SettingName> = new Set(['personDailySeconds', 'personDailyUsd', 'dailySeconds', 'dailyUsd']);

/** A server's settings and its channels' own. */
export interface ScopeSettings {
  server: SettingsLayer;
  channels: Record<string, SettingsLayer>;
}

export interface SettingInfo {
  /** snake_case, as typed in commands and forms. */
  key: string;
  label: string;
  /** What may be typed, for forms and sentences. */
  allowed: string;
}

const LIST = (values: readonly string[]) => values.join(', ');
export const SETTING_INFO: Readonly<Record<SettingName, SettingInfo>> = {
  defaultVersion: { key: 'default_version', label: 'Default Seedance version', allowed: LIST(VERSIONS) },
  defaultTier: { key: 'default_tier', label: 'Default tier (2.0)', allowed: LIST(TIERS) },
  defaultResolution: { key: 'default_resolution', label: 'Default resolution', allowed: LIST(RESOLUTIONS) },
  defaultDuration: { key: 'default_duration', label: 'Default length (s)', allowed: `auto or ${DURATION_MIN}-${DURATION_MAX}` },
  defaultAspectRatio: { key: 'default_aspect_ratio', label: 'Default aspect ratio', allowed: LIST(['auto', ...ASPECT_RATIOS]) },
  defaultAudio: { key: 'default_audio', label: 'Default audio', allowed: 'on, off' },
  defaultWatermark: { key: 'default_watermark', label: 'Default watermark', allowed: 'on, off' },
  defaultCount: { key: 'default_count', label: 'Default count', allowed: `${COUNT_MIN}-${COUNT_MAX}` },
  maxResolution: { key: 'max_resolution', label: 'Highest resolution', allowed: LIST(RESOLUTIONS) },
  maxDuration: { key: 'max_duration', label: 'Longest length (s)', allowed: `${DURATION_MIN}-${DURATION_MAX}` },
  maxCount: { key: 'max_count', label: 'Most videos per request', allowed: `${COUNT_MIN}-${COUNT_MAX}` },
  allowedTiers: { key: 'allowed_tiers', label: 'Allowed tiers', allowed: `a list of ${LIST(TIERS)}` },
  enabled: { key: 'enabled', label: 'Bot on in this channel', allowed: 'on, off' },
  allowedGroups: { key: 'allowed_roles', label: 'Who may use the bot', allowed: 'everyone, or a list of roles (Discord) or user groups (Slack)' },
  personDailySeconds: { key: 'person_daily_seconds', label: 'Video-seconds per person per day', allowed: 'a number above 0' },
  personDailyUsd: { key: 'person_daily_usd', label: 'Dollars per person per day', allowed: 'an amount above 0, like 2.50' },
  dailySeconds: { key: 'daily_seconds', label: 'Video-seconds per day for everyone', allowed: 'a number above 0' },
  dailyUsd: { key: 'daily_usd', label: 'Dollars per day for everyone', allowed: 'an amount above 0, like 25' },
};

export function settingByKey(key: string): SettingName | undefined {
  const wanted = key.trim().toLowerCase().replace(/-/g, '_');
  return SETTING_NAMES.find((name) => SETTING_INFO[name].key === wanted || name.toLowerCase() === wanted);
}

export const resolutionRank = (resolution: Resolution) => RESOLUTIONS.indexOf(resolution);

const BOOLEAN_WORDS: Record<string, boolean> = { on: true, yes: true, true: true, off: false, no: false, false: false };
/** Role mentions (<@&id>), Slack user group mentions (<!subteam^id|@name>) or bare ids. */
const GROUP_TOKEN = /^(?:<@&(\d+)>|<!subteam\^([A-Z0-9]+)(?:\|[^>]*)?>|([A-Za-z0-9]+))$/;

/**
 * What an admin typed for one setting -> its value, checked by the schema. Undefined: not one of
 * the allowed values. "everyone" for who may use the bot clears the list (returned as null).
 */
export function readSettingValue(name: SettingName, raw: string): { value: SettingsLayer[SettingName] | null } | undefined {
  const text = raw.trim().toLowerCase();
  let candidate: unknown;
  switch (name) {
    case 'defaultAudio':
    case 'defaultWatermark':
    case 'enabled':
      candidate = BOOLEAN_WORDS[text];
      break;
    case 'defaultDuration':
      candidate = text === 'auto' ? 'auto' : numberOf(text.replace(/s$/, ''));
      break;
    case 'maxDuration':
    case 'defaultCount':
    case 'maxCount':
      candidate = numberOf(text.replace(/s$/, ''));
      break;
    case 'personDailySeconds':
    case 'personDailyUsd':
    case 'dailySeconds':
    case 'dailyUsd':
      candidate = numberOf(text.replace(/^\$/, ''));
      break;
    case 'allowedTiers':
      candidate = [...new Set(text.split(/[\s,]+/).filter(Boolean))];
      break;
    case 'allowedGroups': {
      if (text === 'everyone' || text === '@everyone') return { value: null };
      const ids = raw.trim().split(/[\s,]+/).filter(Boolean).map((token) => GROUP_TOKEN.exec(token)?.slice(1).find(Boolean));
      candidate = ids.includes(undefined) ? undefined : [...new Set(ids)];
      break;
    }
    default:
      candidate = text;
  }
  const parsed = layerSchema.shape[name].safeParse(candidate);
  return parsed.success && parsed.data !== undefined ? { value: parsed.data } : undefined;
}

const numberOf = (text: string) => (/^\d+(\.\d+)?$/.test(text) ? Number(text) : undefined);

/** A value as readSettingValue reads it again (a form's initial value). */
export function settingText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.join(', ');
  return value === undefined ? '' : String(value);
}

/** A value as a person reads it back. */
export function formatSettingValue(name: SettingName, value: unknown): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (Array.isArray(value)) return value.join(', ');
  if (name === 'personDailyUsd' || name === 'dailyUsd') return `$${Number(value).toFixed(2)}`;
  if ((name === 'defaultDuration' || name === 'maxDuration') && typeof value === 'number') return `${value} s`;
  return String(value);
}
