/** Interactive payloads as Slack sends them (the fields Bolt and the bot read). */
import type { FakeFile } from './server.js';

const team = (id = 'T1') => ({ id, domain: 'fake' });
const user = (id: string, teamId = 'T1') => ({ id, username: id.toLowerCase(), name: id.toLowerCase(), team_id: teamId });

export function appMention(input: { channel: string; user: string; text: string; ts: string; thread_ts?: string; files?: FakeFile[] }): Record<string, unknown> {
  return {
    type: 'app_mention',
    user: input.user,
    text: input.text,
    ts: input.ts,
    event_ts: input.ts,
    channel: input.channel,
    team: 'T1',
    ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}),
    ...(input.files ? { files: input.files } : {}),
  };
}

export function messageShortcut(input: { callbackId: string; user: string; channel: string; message: { ts: string; text?: string; thread_ts?: string; files?: FakeFile[] }; responseUrl: string }) {
  return {
    type: 'message_action',
    token: 'legacy-verification-token',
    action_ts: String(Date.now() / 1000),
    team: team(),
    user: user(input.user),
    channel: { id: input.channel, name: 'general' },
    is_enterprise_install: false,
    callback_id: input.callbackId,
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    response_url: input.responseUrl,
    message_ts: input.message.ts,
    message: { type: 'message', user: 'U9', ...input.message },
  };
}

export function viewSubmission(input: { user: string; callbackId: string; privateMetadata: string; values: Record<string, Record<string, unknown>> }) {
  return {
    type: 'view_submission',
    token: 'legacy-verification-token',
    team: team(),
    user: user(input.user),
    api_app_id: 'A1',
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    view: {
      id: 'V1',
      type: 'modal',
      team_id: 'T1',
      callback_id: input.callbackId,
      private_metadata: input.privateMetadata,
      state: { values: input.values },
      hash: 'h',
      blocks: [],
    },
    response_urls: [],
  };
}

export function blockAction(input: { user: string; channel: string; messageTs: string; actionId: string; value: string; responseUrl: string; threadTs?: string }) {
  return {
    type: 'block_actions',
    token: 'legacy-verification-token',
    team: team(),
    user: user(input.user),
    api_app_id: 'A1',
    container: { type: 'message', message_ts: input.messageTs, channel_id: input.channel, is_ephemeral: false },
    trigger_id: `trigger-${Math.random().toString(36).slice(2)}`,
    channel: { id: input.channel, name: 'general' },
    message: { type: 'message', ts: input.messageTs, text: 'status', ...(input.threadTs ? { thread_ts: input.threadTs } : {}) },
    response_url: input.responseUrl,
    actions: [{ type: 'button', action_id: input.actionId, block_id: `job:${input.value}`, value: input.value, action_ts: String(Date.now() / 1000), text: { type: 'plain_text', text: 'x' } }],
  };
}
