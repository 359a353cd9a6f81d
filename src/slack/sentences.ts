/**
 * Codes -> sentences for Slack: the core's problems (core/messages.ts) plus Slack's own failures
 * (not a member of the channel, a missing scope), each saying what to do next.
 */
import { code, describeProblem, describeProblems } from '../core/messages.js';
import type { Problem } from '../core/result.js';
import { isNotInChannel, type SlackFailure } from './api-errors.js';

/** Why Slack refused, and what to do about it. */
export function describeSlackFailure(failure: SlackFailure, doing: string, botName = 'seedance'): string {
  if (isNotInChannel(failure)) {
    return `I could not ${doing}: I am not a member of this channel, and I cannot join it by myself (private channels need an invitation). Invite me with ${code(`/invite @${botName}`)}, then try again.`;
  }
  if (failure.error === 'missing_scope') {
    return `I could not ${doing}: this Slack app is missing the ${code(failure.needed ?? 'unknown')} scope. Ask a workspace admin to add it to the app and reinstall it.`;
  }
  if (failure.error === 'ratelimited') return `I could not ${doing}: Slack asked me to slow down. Try again in a minute.`;
  if (failure.error === 'is_archived') return `I could not ${doing}: this channel is archived.`;
  return `I could not ${doing}: Slack answered ${code(failure.error)}. Try again in a minute; if it keeps happening, tell the operator of this bot.`;
}

/**
 * Every problem at once. A status message that could not be posted is explained with what Slack
 * said, when the adapter knows it.
 */
export function describeSlackProblems(problems: readonly Problem[], postFailure?: SlackFailure, botName?: string): string {
  const cannotPost = problems.find((p) => p.code === 'platform.cannot_post');
  if (cannotPost && postFailure) {
    return `${describeSlackFailure(postFailure, 'post the status message here', botName)} Nothing was spent.`;
  }
  return describeProblems(problems);
}

export { describeProblem };

export const RESTARTING = 'The bot is restarting. Try again in a minute; nothing was started.';

/** `/video` asked for image to video: a slash command carries no files, so say where the images go. */
export function framesNeedFiles(botName = 'seedance'): string {
  return (
    `Image to video needs the image (and, for a last frame, a second one), but slash commands cannot carry files. ` +
    `Mention me in a message with the images attached, e.g. ${code(`@${botName} the cat wakes up --first-frame`)}, ` +
    `or use the *Make video* shortcut on a message that has them. Nothing was spent.`
  );
}
