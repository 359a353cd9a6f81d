/**
 * A mention of the bot, in a channel or a thread: its files are references. In a thread, the files
 * of the message being replied to come first: the thread's first message by default, the message
 * just above the mention when it contains a lone `^`, or any message whose permalink it contains
 * (the same `^` works in a channel: the message above). Events are acknowledged by Bolt before
 * this runs; a retried delivery was claimed already (claim.ts) and does not reach here.
 */
import type { App } from '@slack/bolt';
import { describeProblems } from '../core/messages.js';
import { parseOptionsText } from '../core/options/parse-options.js';
import { slackFailureOf } from './api-errors.js';
import { completeFiles, usableFile, type SlackFile } from './files.js';
import { afterAck, type Flow } from './flow.js';
import { linkRefusal } from './membership.js';
import { helpText } from './render.js';
import { describeSlackFailure, RESTARTING } from './sentences.js';
import { submitRequest, uniqueFiles } from './submit.js';
import { escapeText, parsePermalink, plainFromSlack } from './text.js';

interface MentionEvent {
  user?: string;
  bot_id?: string;
  text: string;
  ts: string;
  thread_ts?: string;
  channel: string;
  team?: string;
  files?: SlackFile[];
}

interface Message {
  ts?: string;
  files?: SlackFile[];
}

/** Which earlier message the person points at. */
export type Pointer = { kind: 'parent' } | { kind: 'above' } | { kind: 'link'; channel: string; ts: string; threadTs?: string } | { kind: 'none' };

const CARET = /(^|\s)\^(?=\s|$)/;
const LINK_TOKEN = /<https:\/\/[\w.-]+\.slack\.com\/archives\/[^>]+>/g;

/** The pointer and the text left for the prompt. */
export function readPointer(text: string, inThread: boolean): { pointer: Pointer; rest: string } {
  const link = parsePermalink(text);
  let rest = text.replace(LINK_TOKEN, ' ');
  if (link) return { pointer: { kind: 'link', ...link }, rest };
  if (CARET.test(rest)) {
    rest = rest.replace(CARET, ' ');
    return { pointer: { kind: 'above' }, rest };
  }
  return { pointer: inThread ? { kind: 'parent' } : { kind: 'none' }, rest };
}

/** The message pointed at, or undefined when there is none (no earlier message). */
async function pointedMessage(flow: Flow, event: MentionEvent, pointer: Pointer): Promise<Message | undefined> {
  const { client } = flow;
  const thread = event.thread_ts;
  switch (pointer.kind) {
    case 'none':
      return undefined;
    case 'parent': {
      const answer = await client.conversations.replies({ channel: event.channel, ts: thread!, limit: 1, inclusive: true });
      return (answer.messages ?? []).find((m) => m.ts === thread) as Message | undefined;
    }
    case 'above': {
      if (thread) {
        // Oldest first; the last one before the mention is the one above it.
        const answer = await client.conversations.replies({ channel: event.channel, ts: thread, latest: event.ts, inclusive: false, limit: 200 });
        const before = (answer.messages ?? []).filter((m) => m.ts !== undefined && m.ts < event.ts);
        return before.at(-1) as Message | undefined;
      }
      const answer = await client.conversations.history({ channel: event.channel, latest: event.ts, inclusive: false, limit: 1 });
      return answer.messages?.[0] as Message | undefined;
    }
    case 'link': {
      if (pointer.threadTs && pointer.threadTs !== pointer.ts) {
        const answer = await client.conversations.replies({ channel: pointer.channel, ts: pointer.threadTs, latest: pointer.ts, oldest: pointer.ts, inclusive: true, limit: 1 });
        return (answer.messages ?? []).find((m) => m.ts === pointer.ts) as Message | undefined;
      }
      const answer = await client.conversations.history({ channel: pointer.channel, latest: pointer.ts, oldest: pointer.ts, inclusive: true, limit: 1 });
      return (answer.messages ?? []).find((m) => m.ts === pointer.ts) as Message | undefined;
    }
  }
}

export function registerMention(app: App, flow: Flow): void {
  app.event('app_mention', async ({ event, body }) => {
    const mention = event as unknown as MentionEvent;
    if (!mention.user || mention.bot_id) return;
    const user = mention.user;
    const thread = mention.thread_ts && mention.thread_ts !== mention.ts ? mention.thread_ts : undefined;
    const reply = (text: string) =>
      flow.client.chat.postEphemeral({ channel: mention.channel, user, text, ...(thread ? { thread_ts: thread } : {}) });

    await afterAck(flow, 'mention', reply, async () => {
      if (!flow.accepting()) return void (await reply(RESTARTING));
      const { pointer, rest } = readPointer(mention.text ?? '', thread !== undefined);
      const text = plainFromSlack(rest, flow.botUserId());
      const own = (mention.files ?? []).filter(usableFile);
      if ((text === '' && own.length === 0 && pointer.kind === 'none') || text.toLowerCase() === 'help') return void (await reply(escapeText(helpText())));

      const parsed = parseOptionsText(text);
      if (!parsed.ok) return void (await reply(escapeText(describeProblems(parsed.problems))));

      // A link may point anywhere the bot is: only the person's own channels may give files.
      if (pointer.kind === 'link' && pointer.channel !== mention.channel) {
        const refusal = await linkRefusal(flow, pointer.channel, user);
        if (refusal) return void (await reply(escapeText(refusal)));
      }
      let pointed: Message | undefined;
      try {
        pointed = await pointedMessage(flow, { ...mention, ...(thread ? { thread_ts: thread } : {}) }, pointer);
      } catch (error) {
        return void (await reply(escapeText(describeSlackFailure(slackFailureOf(error), 'read the message you pointed at', flow.botName()))));
      }
      if (pointer.kind === 'link' && !pointed) return void (await reply('I could not find the message that link points at. Check that I am in its channel.'));
      const files = await completeFiles(flow.client, uniqueFiles([...(pointed?.files ?? []), ...own]));
      await submitRequest(flow, {
        request: { prompt: parsed.value.prompt, options: parsed.value.options },
        files,
        userId: user,
        teamId: mention.team ?? (body as { team_id?: string }).team_id ?? '',
        channel: mention.channel,
        ...(thread ? { thread } : {}),
        reply,
      });
    });
  });
}
