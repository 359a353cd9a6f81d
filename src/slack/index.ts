/** The Slack adapter: main.ts calls createSlackAdapter(config.slack, { log }). */
import type { PlatformAdapter } from '../core/adapter.js';
import { SlackAdapter, type SlackAdapterDeps, type SlackConfig } from './adapter.js';

export function createSlackAdapter(config: SlackConfig, deps: SlackAdapterDeps): PlatformAdapter {
  return new SlackAdapter(config, deps);
}

export { SlackAdapter, SLACK_EVENTS_PATH, type SlackAdapterDeps, type SlackConfig } from './adapter.js';
export { SLACK_REQUIREMENTS, BOT_SCOPES, BOT_EVENTS, VIDEO_COMMAND, MAKE_VIDEO_SHORTCUT, MAKE_VIDEO_MODAL, ACTION_CANCEL, ACTION_RETRY, ACTION_EDIT, ACTION_PARAMS, EDIT_PROMPT_MODAL } from './requirements.js';
