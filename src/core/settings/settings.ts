/**
 * The settings facade: read (cached, checked against the scope's version on every request so a
 * change on any replica is seen at once), change and reset (admins only, never above the
 * operator's ceiling), apply to a request, and today's usage for the App Home.
 */
import type { BudgetLimits } from '../jobs/budget.js';
import { readUsage } from '../usage.js';
import type { Platform } from '../jobs/job.js';
import type { JobStore } from '../jobs/store.js';
import type { GenerationRequest } from '../request.js';
import { fail, ok, type Problem, type Result } from '../result.js';
import { readSettingValue, SERVER_ONLY, SETTING_INFO, SETTING_NAMES, settingByKey, type ScopeSettings, type SettingName, type SettingScope, type SettingsLayer } from './model.js';
import { allowedGroups, channelOff, resolveRequest, type SettingSources } from './resolve.js';
import { layerField, settingsFromFields, type SettingsStorage } from './storage.js';

/** Where settings are read and changed: a server (workspace) and, for channel settings, a channel. */
export interface SettingsPlace {
  platform: Platform;
  scopeId: string;
  channelId: string;
}

/** Who asks for a change; `mayManage` is the adapter's check of the platform's own admin rights. */
export interface SettingsActor {
  userId: string;
  mayManage: boolean;
}

/** What an adapter knows of the person's roles (Discord) or can ask about their user groups (Slack). */
export interface Membership {
  groups?: readonly string[];
  inAnyGroup?(groupIds: readonly string[]): Promise<boolean>;
}

export interface AppliedSettings {
  request: GenerationRequest;
  sources: SettingSources;
  /** Today's allowances for this request: the server's within the operator's, and the person's. */
  limits: BudgetLimits;
}

export interface Usage {
  day: string;
  scope: { videoSeconds: number; usd: number };
  person: { videoSeconds: number; usd: number };
  limits: BudgetLimits;
}

const scopeKey = (place: Pick<SettingsPlace, 'platform' | 'scopeId'>) => `${place.platform}:${place.scopeId}`;
const minDefined = (...values: (number | undefined)[]) => {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length > 0 ? Math.min(...defined) : undefined;
};

export class ServerSettings {
  private readonly cache = new Map<string, { version: number; settings: ScopeSettings }>();

  constructor(
    private readonly deps: {
      storage: SettingsStorage;
      /** For today's usage. */
      store: JobStore;
      /** The operator's ceiling: DAILY_VIDEO_SECONDS and DAILY_BUDGET_USD. */
      ceiling: BudgetLimits;
      now?: () => number;
    },
  ) {}

  /** The scope's settings: from the cache when the stored version is still the cached one. */
  async get(place: Pick<SettingsPlace, 'platform' | 'scopeId'>): Promise<ScopeSettings> {
    const key = scopeKey(place);
    const cached = this.cache.get(key);
    if (cached && cached.version === (await this.deps.storage.version(key))) return cached.settings;
    const { version, fields } = await this.deps.storage.read(key);
    const settings = settingsFromFields(fields);
    this.cache.set(key, { version, settings });
    return settings;
  }

  /**
   * Sets settings of the server or the channel from what an admin typed (`snake_case` names or
   * the setting names; an empty value forgets one): every problem at once, nothing changed
   * unless all of it is right.
   */
  async change(place: SettingsPlace, actor: SettingsActor, scope: SettingScope, typed: Readonly<Record<string, string>>): Promise<Result<ScopeSettings>> {
    if (!actor.mayManage) return fail({ code: 'settings.not_admin' });
    const set: Record<string, string> = {};
    const remove: string[] = [];
    const problems: Problem[] = [];
    for (const [key, raw] of Object.entries(typed)) {
      const name = settingByKey(key);
      if (!name) {
        problems.push({ code: 'settings.unknown_setting', params: { setting: key, allowed: SETTING_NAMES.map((n) => SETTING_INFO[n].key) } });
        continue;
      }
      const info = SETTING_INFO[name];
      if (scope === 'channel' && SERVER_ONLY.has(name)) {
        problems.push({ code: 'settings.server_only', params: { setting: info.key } });
        continue;
      }
      const field = layerField(scope === 'server' ? 'server' : `channel:${place.channelId}`, name);
      // Left empty (a form's field cleared): the setting is forgotten, and inherited again.
      if (raw.trim() === '') {
        remove.push(field);
        continue;
      }
      const read = readSettingValue(name, raw);
      if (!read) {
        problems.push({ code: 'settings.invalid_value', params: { setting: info.key, value: raw.slice(0, 100), allowed: info.allowed } });
        continue;
      }
      const above = this.aboveCeiling(name, read.value);
      if (above) problems.push(above);
      if (read.value === null) remove.push(field);
      else set[field] = JSON.stringify(read.value);
    }
    if (problems.length > 0) return fail(...problems);
    return ok(await this.write(place, set, remove));
  }

  /** Forgets settings of the server or the channel (all of the scope's when `names` is empty). */
  async reset(place: SettingsPlace, actor: SettingsActor, scope: SettingScope, names: readonly SettingName[] = []): Promise<Result<ScopeSettings>> {
    if (!actor.mayManage) return fail({ code: 'settings.not_admin' });
    const layer = scope === 'server' ? 'server' : (`channel:${place.channelId}` as const);
    const remove = (names.length > 0 ? names : SETTING_NAMES).map((name) => layerField(layer, name));
    return ok(await this.write(place, {}, remove));
  }

  private async write(place: SettingsPlace, set: Record<string, string>, remove: readonly string[]): Promise<ScopeSettings> {
    const key = scopeKey(place);
    await this.deps.storage.write(key, set, remove);
    this.cache.delete(key);
    return this.get(place);
  }

  /** The operator's DAILY_* are the ceiling of every allowance a server sets. */
  private aboveCeiling(name: SettingName, value: unknown): Problem | undefined {
    if (typeof value !== 'number') return undefined;
    const { videoSecondsPerDay, usdPerDay } = this.deps.ceiling;
    const seconds = name === 'dailySeconds' || name === 'personDailySeconds';
    const dollars = name === 'dailyUsd' || name === 'personDailyUsd';
    const setting = SETTING_INFO[name].key;
    if (seconds && videoSecondsPerDay !== undefined && value > videoSecondsPerDay) return { code: 'settings.above_ceiling', params: { setting, value, limit: videoSecondsPerDay, variable: 'DAILY_VIDEO_SECONDS' } };
    if (dollars && usdPerDay !== undefined && value > usdPerDay) return { code: 'settings.above_ceiling', params: { setting, value, limit: usdPerDay, variable: 'DAILY_BUDGET_USD' } };
    return undefined;
  }

  /**
   * A request in a channel, with the settings applied: refused when the bot is off there, the
   * person is not among those allowed, or an option of theirs is above a maximum.
   */
  async apply(place: SettingsPlace, request: GenerationRequest, membership: Membership = {}): Promise<Result<AppliedSettings>> {
    const settings = await this.get(place);
    const off = channelOff(settings, place.channelId);
    if (off) return fail({ code: 'settings.channel_off', params: { scope: off } });
    const groups = allowedGroups(settings, place.channelId);
    if (groups && !(await isMember(membership, groups.value))) return fail({ code: 'settings.not_allowed_user', params: { scope: groups.scope } });
    const resolved = resolveRequest(request, settings, place.channelId);
    if (!resolved.ok) return resolved;
    return ok({ ...resolved.value, limits: this.limitsOf(settings.server) });
  }

  /** Today's allowances: the server's own within the operator's, and each person's. */
  limitsOf(server: SettingsLayer): BudgetLimits {
    const { ceiling } = this.deps;
    const limits: BudgetLimits = {};
    const seconds = minDefined(ceiling.videoSecondsPerDay, server.dailySeconds);
    const usd = minDefined(ceiling.usdPerDay, server.dailyUsd);
    const personSeconds = minDefined(seconds, server.personDailySeconds);
    const personUsd = minDefined(usd, server.personDailyUsd);
    if (seconds !== undefined) limits.videoSecondsPerDay = seconds;
    if (usd !== undefined) limits.usdPerDay = usd;
    if (server.personDailySeconds !== undefined && personSeconds !== undefined) limits.personVideoSecondsPerDay = personSeconds;
    if (server.personDailyUsd !== undefined && personUsd !== undefined) limits.personUsdPerDay = personUsd;
    return limits;
  }

  /** Today's use of the server's and the person's allowances (UTC day). */
  async usage(place: Pick<SettingsPlace, 'platform' | 'scopeId'>, userId: string): Promise<Usage> {
    return readUsage(this.deps.store, place, userId, (this.deps.now ?? Date.now)(), this.limitsOf((await this.get(place)).server));
  }

  async close(): Promise<void> {
    await this.deps.storage.close();
  }
}

async function isMember(membership: Membership, groupIds: readonly string[]): Promise<boolean> {
  if (membership.groups?.some((g) => groupIds.includes(g))) return true;
  return membership.inAnyGroup ? membership.inAnyGroup(groupIds) : false;
}
