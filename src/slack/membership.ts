/**
 * Whether a person can see a channel's messages, asked before the bot reads a message they point
 * at by permalink. The bot is a member of many channels; without this check anyone could bring a
 * private channel's files (and their names, shown in the status message) into their own channel.
 *
 * users.conversations lists the person's channels (public and private; private ones only when the
 * bot shares them, which it must to read the message anyway). A person is in far fewer channels
 * than a busy channel has members, so this is usually one call where conversations.members would
 * page through thousands of people. The answer stops at the first page that has the channel.
 */
import { slackFailureOf } from './api-errors.js';
import type { Flow } from './flow.js';
import { describeSlackFailure } from './sentences.js';
import type { WebClient } from './web-client.js';

/** Says what to do, and nothing about the linked message (not even whether it exists). */
export const NOT_A_MEMBER_TEXT =
  'I can only use files from this conversation or from a channel you are a member of. Share the files here, or link a message from a channel you are in. Nothing was spent.';

/** Slack's largest page for users.conversations. */
export const CHANNELS_PAGE = 1000;
/** Past this many pages (a person in over 10,000 channels) the answer is "no": refused, never leaked. */
export const CHANNELS_MAX_PAGES = 10;

/** True when `user` is a member of `channel`; throws what Slack answered when it cannot tell. */
export async function isChannelMember(client: WebClient, channel: string, user: string): Promise<boolean> {
  let cursor: string | undefined;
  for (let page = 0; page < CHANNELS_MAX_PAGES; page++) {
    const answer = await client.users.conversations({
      user,
      types: 'public_channel,private_channel',
      limit: CHANNELS_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    if ((answer.channels ?? []).some((c) => c.id === channel)) return true;
    cursor = answer.response_metadata?.next_cursor || undefined;
    if (!cursor) return false;
  }
  return false;
}

/** Why the person may not use a message of `channel`, or undefined when they may. */
export async function linkRefusal(flow: Pick<Flow, 'client' | 'log' | 'botName'>, channel: string, user: string): Promise<string | undefined> {
  try {
    if (await isChannelMember(flow.client, channel, user)) return undefined;
    flow.log.info('slack.link_refused', { channel, user });
    return NOT_A_MEMBER_TEXT;
  } catch (error) {
    const failure = slackFailureOf(error);
    flow.log.warn('slack.membership_check_failed', { channel, error: failure.error });
    return describeSlackFailure(failure, 'check that you are a member of the channel you linked', flow.botName());
  }
}
