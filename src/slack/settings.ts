/**
 * `/video settings` (the workspace) and `/video settings channel` (this channel): a form for
 * workspace admins and owners (users.info) and the operator's BOT_ADMINS. Each field holds one
 * setting; clearing a field forgets it. The submission is checked again (a member can craft a
 * view_submission with any callback id), and refused in the form with a sentence.
 */
import type { App } from '@slack/bolt';
import { describeProblem } from '../core/messages.js';
import type { Problem } from '../core/result.js';
import { usageLines } from '../core/usage.js';
import { describeSettings } from '../core/settings/describe.js';
import { SERVER_ONLY, SETTING_INFO, SETTING_NAMES, settingByKey, settingText, type SettingScope } from '../core/settings/model.js';
import { actorOf, type Flow } from './flow.js';
import type { Block } from './render.js';
import { SETTINGS_MODAL } from './requirements.js';
import { describeSlackFailure } from './sentences.js';
import { slackFailureOf } from './api-errors.js';
import { escapeText } from './text.js';

const plain = (text: string) => ({ type: 'plain_text', text: text.slice(0, 75), emoji: false });
const VALUE = 'value';
const FIRST_BLOCK = 'intro';
export const SETTINGS_HINT = { server: 'workspace', groupName: (id: string) => `<!subteam^${id}>` };

/** Workspace admins and owners (users.info), and the operator's BOT_ADMINS. */
export async function mayManage(flow: Flow, userId: string): Promise<boolean> {
  if (flow.service().isAdmin(actorOf(userId))) return true;
  try {
    const info = await flow.client.users.info({ user: userId });
    return Boolean(info.user?.is_admin || info.user?.is_owner || info.user?.is_primary_owner);
  } catch (error) {
    flow.log.warn('slack.users_info_failed', { user: userId, error });
    return false;
  }
}

function settingsForm(scope: SettingScope, channel: string, layer: Record<string, unknown>): Record<string, unknown> {
  const names = SETTING_NAMES.filter((name) => scope === 'server' || !SERVER_ONLY.has(name));
  const blocks: Block[] = [
    {
      type: 'section',
      block_id: FIRST_BLOCK,
      text: {
        type: 'mrkdwn',
        text:
          scope === 'server'
            ? "Settings for the whole workspace. Channels may narrow them (`/video settings channel` there); the operator's limits always apply. Clear a field to forget it."
            : `Settings for <#${channel}> only; the rest come from the workspace. Clear a field to forget it.`,
      },
    },
    ...names.map((name) => ({
      type: 'input',
      block_id: SETTING_INFO[name].key,
      optional: true,
      label: plain(SETTING_INFO[name].label),
      hint: plain(name === 'allowedGroups' ? 'everyone, or user group ids (S0123…) or mentions' : SETTING_INFO[name].allowed),
      element: { type: 'plain_text_input', action_id: VALUE, max_length: 500, ...(layer[name] !== undefined ? { initial_value: settingText(layer[name]) } : {}) },
    })),
  ];
  return {
    type: 'modal',
    callback_id: SETTINGS_MODAL,
    private_metadata: JSON.stringify({ s: scope, c: channel }),
    title: plain(scope === 'server' ? 'Workspace settings' : 'Channel settings'),
    submit: plain('Save'),
    close: plain('Cancel'),
    blocks,
  };
}

/** `/video settings [channel]`, after the ack: the form for admins, a sentence for everyone else. */
export async function openSettings(flow: Flow, input: { userId: string; teamId: string; channel: string; triggerId: string; scope: SettingScope; reply: (text: string) => Promise<unknown> }): Promise<void> {
  const settings = flow.service().serverSettings;
  if (!settings) return void (await input.reply('This bot keeps no settings (its operator has not enabled them).'));
  if (!(await mayManage(flow, input.userId))) return void (await input.reply(escapeText(describeProblem({ code: 'settings.not_admin' }))));
  const current = await settings.get({ platform: 'slack', scopeId: input.teamId });
  const layer = input.scope === 'server' ? current.server : (current.channels[input.channel] ?? {});
  try {
    await flow.client.views.open({ trigger_id: input.triggerId, view: settingsForm(input.scope, input.channel, layer) as never });
  } catch (error) {
    await input.reply(escapeText(describeSlackFailure(slackFailureOf(error), 'open the settings form', flow.botName())));
  }
}

/** `/video usage`: today's use against the allowances, and this workspace's and channel's settings, for anyone (core/usage.ts, as Discord's /usage). */
export async function usageText(flow: Flow, input: { userId: string; teamId: string; channel: string }): Promise<string> {
  // User groups as ids, not mentions: a message would notify them.
  const lines = await usageLines(flow.service(), { platform: 'slack', scopeId: input.teamId, channelId: input.channel }, input.userId, { server: SETTINGS_HINT.server });
  return escapeText(lines.join('\n')).slice(0, 3000);
}

export function registerSettings(app: App, flow: Flow): void {
  app.view(SETTINGS_MODAL, async ({ ack, view, body }) => {
    const errorsAt = (block: string, text: string) => ack({ response_action: 'errors', errors: { [block]: text.slice(0, 2000) } });
    const settings = flow.service().serverSettings;
    const meta = readMetadata(view.private_metadata);
    const firstField = Object.keys(view.state.values)[0] ?? FIRST_BLOCK;
    if (!settings || !meta) return errorsAt(firstField, 'This form is too old. Type `/video settings` again.');
    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    // Checked again here: the form's opening is no proof, a submission can be crafted.
    const actor = { userId, mayManage: await mayManage(flow, userId) };
    if (!actor.mayManage) {
      flow.log.warn('slack.settings_refused', { user: userId, team: teamId });
      return errorsAt(firstField, describeProblem({ code: 'settings.not_admin' }));
    }
    const typed: Record<string, string> = {};
    for (const [block, actions] of Object.entries(view.state.values)) {
      if (!settingByKey(block)) continue;
      typed[block] = String((actions as Record<string, { value?: string | null }>)[VALUE]?.value ?? '');
    }
    const place = { platform: 'slack' as const, scopeId: teamId, channelId: meta.channel };
    const result = await settings.change(place, actor, meta.scope, typed);
    if (!result.ok) return ack({ response_action: 'errors', errors: errorsByField(result.problems, firstField) });
    flow.log.info('slack.settings_changed', { team: teamId, channel: meta.channel, scope: meta.scope, user: userId });
    const lines = describeSettings(result.value, meta.channel, SETTINGS_HINT);
    await ack({
      response_action: 'update',
      view: { type: 'modal', title: plain('Settings saved'), close: plain('Done'), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n').slice(0, 3000) } }] } as never,
    });
  });
}

/** Each problem under the field it is about (the setting's key), the rest under the first field. */
function errorsByField(problems: readonly Problem[], firstField: string): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const problem of problems) {
    const block = typeof problem.params?.['setting'] === 'string' && settingByKey(problem.params['setting']) ? problem.params['setting'] : firstField;
    errors[block] = [errors[block], describeProblem(problem)].filter(Boolean).join(' ').slice(0, 2000);
  }
  return errors;
}

function readMetadata(text: string): { scope: SettingScope; channel: string } | undefined {
  try {
    const raw = JSON.parse(text) as { s?: unknown; c?: unknown };
    if ((raw.s !== 'server' && raw.s !== 'channel') || typeof raw.c !== 'string' || !/^[A-Z0-9]{1,30}$/.test(raw.c)) return undefined;
    return { scope: raw.s, channel: raw.c };
  } catch {
    return undefined;
  }
}
