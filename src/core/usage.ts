/**
 * Today's use of the allowances (video-seconds and dollars held for jobs, per server or workspace
 * and per person, UTC day) against their limits: one view for Discord's `/usage` and Slack's
 * `/video usage`, so both say the same. Without server settings the operator's limits apply.
 */
import { budgetCounter, budgetDay, personCounter, type BudgetLimits } from './jobs/budget.js';
import type { Platform } from './jobs/job.js';
import type { JobStore } from './jobs/store.js';
import { describeSettings, describeUsage, type DescribeOptions } from './settings/describe.js';
import type { ServerSettings, Usage } from './settings/settings.js';

export async function readUsage(store: JobStore, place: { platform: Platform; scopeId: string }, userId: string, now: number, limits: BudgetLimits): Promise<Usage> {
  const day = budgetDay(now);
  const owner = { requester: { platform: place.platform, userId, scopeId: place.scopeId }, reservation: { day } };
  const [scopeSeconds, scopeUsd, personSeconds, personUsd] = await Promise.all([
    store.counterValue(budgetCounter(owner, 'seconds')),
    store.counterValue(budgetCounter(owner, 'usd')),
    store.counterValue(personCounter(owner, 'seconds')),
    store.counterValue(personCounter(owner, 'usd')),
  ]);
  const clean = (n: number) => Math.max(0, Math.round(n * 100) / 100);
  return {
    day,
    scope: { videoSeconds: clean(scopeSeconds), usd: clean(scopeUsd) },
    person: { videoSeconds: clean(personSeconds), usd: clean(personUsd) },
    limits,
  };
}

export interface UsageSource {
  readonly serverSettings: ServerSettings | undefined;
  /** Today's use with the operator's limits (when there are no server settings). */
  usage(place: { platform: Platform; scopeId: string }, userId: string): Promise<Usage>;
}

export const USAGE_NOTE = 'Dollars are the estimates held for each job (auto counted as the longest); what Oxen charged for a video is on its status message, on the message that delivered it and under Parameters.';

/** The lines of the usage view: today's use, then the server's and channel's settings when there are any. */
export async function usageLines(
  source: UsageSource,
  place: { platform: Platform; scopeId: string; channelId: string },
  userId: string,
  options: DescribeOptions,
): Promise<string[]> {
  const settings = source.serverSettings;
  if (!settings) return [...describeUsage(await source.usage(place, userId), options), USAGE_NOTE];
  const [scope, usage] = await Promise.all([settings.get(place), settings.usage(place, userId)]);
  return [...describeUsage(usage, options), USAGE_NOTE, ...describeSettings(scope, place.channelId, options)];
}
