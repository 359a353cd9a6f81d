/**
 * The App Home tab (app_home_opened -> views.publish): everyone sees the workspace's settings,
 * the channels that have their own, and today's use of the allowances, theirs included. Admins
 * are told how to change them.
 */
import type { App } from '@slack/bolt';
import { describeUsage, layerLines } from '../core/settings/describe.js';
import type { ScopeSettings } from '../core/settings/model.js';
import type { Usage } from '../core/settings/settings.js';
import type { Flow } from './flow.js';
import type { Block } from './render.js';
import { SETTINGS_HINT } from './settings.js';

/** Slack's limits: 3,000 characters per section, 100 blocks per view. */
const SECTION_MAX = 3_000;
const CHANNELS_SHOWN = 40;

const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: text.length > SECTION_MAX ? `${text.slice(0, SECTION_MAX - 1)}…` : text } });

export function homeView(settings: ScopeSettings, usage: Usage): Record<string, unknown> {
  const channels = Object.entries(settings.channels).filter(([, layer]) => Object.keys(layer).length > 0);
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: 'Video settings and today’s use', emoji: false } },
    section(['*This workspace:*', ...layerLines(settings.server, "nothing set: the operator's defaults and limits apply", SETTINGS_HINT.groupName)].join('\n')),
    ...channels.slice(0, CHANNELS_SHOWN).map(([id, layer]) => section([`*<#${id}>:*`, ...layerLines(layer, '', SETTINGS_HINT.groupName)].join('\n'))),
    ...(channels.length > CHANNELS_SHOWN ? [section(`…and ${channels.length - CHANNELS_SHOWN} more channels with their own settings.`)] : []),
    { type: 'divider' },
    section(describeUsage(usage, SETTINGS_HINT).join('\n')),
    { type: 'context', elements: [{ type: 'mrkdwn', text: 'Workspace admins and owners change these with `/video settings` (the workspace) or `/video settings channel` (in a channel).' }] },
  ];
  return { type: 'home', blocks };
}

export function registerAppHome(app: App, flow: Flow): void {
  app.event('app_home_opened', async ({ event, body }) => {
    if (event.tab !== 'home') return;
    const settings = flow.service().serverSettings;
    if (!settings) return;
    const teamId = (body as { team_id?: string }).team_id ?? '';
    try {
      const place = { platform: 'slack' as const, scopeId: teamId };
      const [scope, usage] = await Promise.all([settings.get(place), settings.usage(place, event.user)]);
      await flow.client.views.publish({ user_id: event.user, view: homeView(scope, usage) as never });
    } catch (error) {
      flow.log.error('slack.app_home_failed', { user: event.user, error });
    }
  });
}
