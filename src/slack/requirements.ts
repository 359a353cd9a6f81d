/**
 * Everything the Slack app must be configured with: the command, the shortcut, the events and the
 * bot scopes the code uses. manifest.yml and manifest.socket.yml are checked against these lists by
 * a test, so the manifests and the code cannot drift apart.
 */
import type { JobAction } from '../core/job-actions.js';

/** The slash command. */
export const VIDEO_COMMAND = '/video';
/** The message shortcut "Make video". */
export const MAKE_VIDEO_SHORTCUT = 'make_video';
/** The modal the shortcut opens. */
export const MAKE_VIDEO_MODAL = 'make_video_modal';
/** Buttons on a status message and a delivered video; the value is the job id, so they work after a restart. */
export const ACTION_CANCEL = 'job_cancel';
export const ACTION_RETRY = 'job_retry';
export const ACTION_EDIT = 'job_edit';
export const ACTION_PARAMS = 'job_params';
/** The action id of each of the core's job actions (src/core/job-actions.ts). */
export const ACTION_IDS: Readonly<Record<JobAction, string>> = { cancel: ACTION_CANCEL, retry: ACTION_RETRY, edit: ACTION_EDIT, params: ACTION_PARAMS };
/** Remix on a delivered video; the value is `<job id>:<video number>`. */
export const ACTION_REMIX = 'job_remix';
/** The form Remix opens; its private_metadata is `<job id>:<video number>`. */
export const REMIX_MODAL = 'job_remix_modal';
/** The form Edit prompt opens; its private_metadata is the job id. */
export const EDIT_PROMPT_MODAL = 'job_edit_modal';
/** The form `/video settings` opens for admins. */
export const SETTINGS_MODAL = 'video_settings';

/** Bot events the app subscribes to. */
export const BOT_EVENTS = ['app_mention', 'app_home_opened'] as const;

/** Bot scopes, each with the calls that need it. */
export const BOT_SCOPES: Readonly<Record<string, string>> = {
  commands: '/video and the "Make video" message shortcut',
  'app_mentions:read': 'the app_mention event (mentions with files)',
  'chat:write': 'chat.postMessage, chat.update, chat.postEphemeral (status messages, answers)',
  'chat:write.public': 'status messages in public channels the bot was not invited to (/video)',
  'files:read': 'downloading private files with the bot token, files.info, the modal file input',
  'files:write': 'files.getUploadURLExternal and files.completeUploadExternal (the finished video)',
  'channels:history': 'conversations.replies/history in public channels (thread parents, "^")',
  'groups:history': 'conversations.replies/history in private channels (thread parents, "^")',
  'channels:join': 'conversations.join, so the video can be attached in a public channel',
  'channels:read': 'users.conversations: is the person a member of the public channel a linked message is in',
  'groups:read': 'users.conversations: is the person a member of the private channel a linked message is in',
  'users:read': 'users.info: is the person a workspace admin or owner (who may change /video settings)',
  'usergroups:read': 'usergroups.users.list: is the person in a user group allowed to use the bot',
};

export const SLACK_REQUIREMENTS = {
  commands: [VIDEO_COMMAND],
  shortcuts: [{ callbackId: MAKE_VIDEO_SHORTCUT, type: 'message' as const, name: 'Make video' }],
  botEvents: [...BOT_EVENTS],
  botScopes: Object.keys(BOT_SCOPES),
  interactivity: true,
} as const;
