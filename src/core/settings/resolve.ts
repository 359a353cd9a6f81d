/**
 * A request resolved against its server's and channel's settings: operator defaults < server <
 * channel < the request's own options, each within every maximum. A default above a maximum is
 * brought down to it; the person's own value above one is refused, naming the limit and who set
 * it. What did not come from the request is recorded with where it came from.
 */
import { DEFAULT_TIER, RESOLUTIONS_BY_TIER, tiersOffering } from '../models/catalog.js';
import type { OptionName } from '../options/vocabulary.js';
import { DEFAULT_OPTIONS, type GenerationOptions, type GenerationRequest, type Resolution, type Tier } from '../request.js';
import { fail, ok, type Problem, type Result } from '../result.js';
import { resolutionRank, type ScopeSettings, type SettingName, type SettingScope, type SettingsLayer } from './model.js';

export type SettingSources = Partial<Record<OptionName, SettingScope>>;

export interface ResolvedRequest {
  request: GenerationRequest;
  /** Options whose value came from a setting, not from the request. */
  sources: SettingSources;
}

const DEFAULTS: readonly [OptionName, SettingName][] = [
  ['version', 'defaultVersion'],
  ['tier', 'defaultTier'],
  ['resolution', 'defaultResolution'],
  ['duration', 'defaultDuration'],
  ['aspectRatio', 'defaultAspectRatio'],
  ['audio', 'defaultAudio'],
  ['watermark', 'defaultWatermark'],
  ['count', 'defaultCount'],
];

/** The options the person set: as the adapter says, or those that differ from the operator's defaults. */
export function ownOptions(request: GenerationRequest): ReadonlySet<OptionName> {
  if (request.given) return new Set(request.given);
  const options = request.options as unknown as Record<string, unknown>;
  const defaults = DEFAULT_OPTIONS as unknown as Record<string, unknown>;
  return new Set((Object.keys(options) as OptionName[]).filter((name) => options[name] !== undefined && options[name] !== defaults[name]));
}

/** The channel's own value, else the server's, with where it came from. */
function inherited<N extends SettingName>(layers: Layers, name: N): { value: NonNullable<SettingsLayer[N]>; scope: SettingScope } | undefined {
  const fromChannel = layers.channel[name];
  if (fromChannel !== undefined) return { value: fromChannel as NonNullable<SettingsLayer[N]>, scope: 'channel' };
  const fromServer = layers.server[name];
  return fromServer !== undefined ? { value: fromServer as NonNullable<SettingsLayer[N]>, scope: 'server' } : undefined;
}

/** The lower of the two maxima (the channel's when they are equal: it is the nearer one to change). */
function lowest<N extends 'maxResolution' | 'maxDuration' | 'maxCount'>(layers: Layers, name: N, rank: (v: NonNullable<SettingsLayer[N]>) => number) {
  const channel = layers.channel[name] as NonNullable<SettingsLayer[N]> | undefined;
  const server = layers.server[name] as NonNullable<SettingsLayer[N]> | undefined;
  if (channel !== undefined && (server === undefined || rank(channel) <= rank(server))) return { value: channel, scope: 'channel' as const };
  return server !== undefined ? { value: server, scope: 'server' as const } : undefined;
}

interface Layers {
  server: SettingsLayer;
  channel: SettingsLayer;
}

export const layersOf = (settings: ScopeSettings, channelId: string): Layers => ({ server: settings.server, channel: settings.channels[channelId] ?? {} });

/** Whether the bot is off in the channel, and who turned it off. */
export function channelOff(settings: ScopeSettings, channelId: string): SettingScope | undefined {
  const enabled = inherited(layersOf(settings, channelId), 'enabled');
  return enabled && !enabled.value ? enabled.scope : undefined;
}

/** Who may use the bot here (role or user group ids), and who decided; undefined: everyone. */
export function allowedGroups(settings: ScopeSettings, channelId: string) {
  return inherited(layersOf(settings, channelId), 'allowedGroups');
}

export function resolveRequest(request: GenerationRequest, settings: ScopeSettings, channelId: string): Result<ResolvedRequest> {
  const layers = layersOf(settings, channelId);
  const own = ownOptions(request);
  const options: GenerationOptions = { ...request.options };
  const sources: SettingSources = {};
  const problems: Problem[] = [];
  const set = <K extends OptionName>(option: K, value: GenerationOptions[K], scope: SettingScope) => {
    options[option] = value;
    sources[option] = scope;
  };
  const above = (option: OptionName, value: string | number, limit: string | number, scope: SettingScope) =>
    problems.push({ code: 'settings.above_maximum', params: { option, value, limit, scope } });

  for (const [option, name] of DEFAULTS) {
    const found = own.has(option) ? undefined : inherited(layers, name);
    if (found) set(option, found.value as GenerationOptions[typeof option], found.scope);
  }

  const maxResolution = lowest(layers, 'maxResolution', resolutionRank);
  if (maxResolution) {
    const { value: limit, scope } = maxResolution;
    if (options.resolution !== undefined && resolutionRank(options.resolution) > resolutionRank(limit)) {
      if (own.has('resolution')) above('resolution', options.resolution, limit, scope);
      else set('resolution', limit, scope);
    } else if (options.resolution === undefined && resolutionRank(limit) < resolutionRank('720p')) {
      // The models' own default is 720p: above this maximum.
      set('resolution', limit, scope);
    }
  }
  const maxDuration = lowest(layers, 'maxDuration', (v) => v);
  if (maxDuration) {
    const { value: limit, scope } = maxDuration;
    // Auto lets the model make up to the longest length, so under a maximum it means the maximum.
    if (options.duration === 'auto') set('duration', limit, scope);
    else if (options.duration > limit) {
      if (own.has('duration')) above('duration', options.duration, limit, scope);
      else set('duration', limit, scope);
    }
  }
  const maxCount = lowest(layers, 'maxCount', (v) => v);
  if (maxCount && options.count > maxCount.value) {
    if (own.has('count')) above('count', options.count, maxCount.value, maxCount.scope);
    else set('count', maxCount.value, maxCount.scope);
  }
  const tierProblem = applyAllowedTiers(layers, options, own, set);
  if (tierProblem) problems.push(tierProblem);

  if (problems.length > 0) return fail(...problems);
  return ok({ request: { prompt: request.prompt, options, given: [...own] }, sources });
}

/** Tiers the channel and the server both allow (all when neither says). */
function applyAllowedTiers(layers: Layers, options: GenerationOptions, own: ReadonlySet<OptionName>, set: (option: 'tier', value: Tier, scope: SettingScope) => void): Problem | undefined {
  const channelTiers = layers.channel.allowedTiers;
  const serverTiers = layers.server.allowedTiers;
  // Tiers are 2.0's: 2.5 has one (its cost is still bounded by the allowances).
  if ((!channelTiers && !serverTiers) || (options.version ?? '2.0') !== '2.0') return undefined;
  const allowed = (channelTiers ?? serverTiers)!.filter((t) => !serverTiers || serverTiers.includes(t));
  const decidedBy = (tier: Tier): SettingScope => (channelTiers && !channelTiers.includes(tier) ? 'channel' : 'server');
  if (options.tier !== 'auto' && !allowed.includes(options.tier)) {
    if (own.has('tier')) return { code: 'settings.tier_not_allowed', params: { value: options.tier, allowed, scope: decidedBy(options.tier) } };
    options.tier = 'auto';
  }
  if (options.tier !== 'auto') return undefined;
  const predicted = autoTier(options.resolution);
  if (allowed.includes(predicted)) return undefined;
  const fitting = allowed.find((t) => !options.resolution || RESOLUTIONS_BY_TIER[t].includes(options.resolution));
  if (!fitting) return { code: 'settings.tier_not_allowed', params: { value: predicted, allowed, scope: decidedBy(predicted) } };
  set('tier', fitting, decidedBy(predicted));
  return undefined;
}

/** The tier `tier: auto` selects (models/select.ts): the default, or the tier offering the resolution. */
function autoTier(resolution: Resolution | undefined): Tier {
  const offering = resolution ? tiersOffering(resolution) : [];
  return resolution && !offering.includes(DEFAULT_TIER) && offering[0] ? offering[0] : DEFAULT_TIER;
}
