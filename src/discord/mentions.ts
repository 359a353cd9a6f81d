/**
 * The reply flow: a message that mentions the bot, with a prompt (and flags), usually as a reply
 * to a message with files. The references are the replied-to message's files, then the reply's
 * own. Reading the replied-to message needs the MESSAGE_CONTENT intent; without it the bot
 * explains how to use the "Make video" context menu instead.
 */
import { Routes, type APIMessage, type Message, type REST } from 'discord.js';
import type { Logger } from '../core/log.js';
import { parseOptionsText } from '../core/options/parse-options.js';
import type { VideoService } from '../core/service.js';
import { fromApi, fromDiscordJs, type DiscordFile } from './attachments.js';
import { isPermissionError } from './errors.js';
import { FAILED_TEXT, RESTARTING_TEXT } from './interactions.js';
import { NO_MENTIONS } from './render.js';
import { problemsText, startVideo } from './submit.js';

export const NO_INTENT_TEXT =
  'I cannot see the files of the message you replied to: this bot runs without the Message Content intent. ' +
  'Use the context menu instead: right-click (or long-press) that message → **Apps** → **Make video**.';
export const MENTION_HELP_TEXT =
  'Reply to a message with images, videos or audio, mention me and describe the video, e.g. `@Seedance @Image1 walks through snow --res 720p`. Or use `/video`.';

export interface MentionDeps {
  service: () => VideoService;
  rest: REST;
  log: Logger;
  botId: () => string | undefined;
  messageContentIntent: boolean;
  accepting: () => boolean;
  /** Claims the message for this replica (see index.ts): false when another one has it. */
  claim: (kind: 'discord:message', id: string) => Promise<boolean>;
}

export async function handleMention(deps: MentionDeps, message: Message): Promise<void> {
  const botId = deps.botId();
  if (!botId || message.author.bot || !message.inGuild()) return;
  if (!message.mentions.users.has(botId) || message.mentions.repliedUser?.id === botId && !mentionedInText(message.content, botId)) return;
  // Every replica's session gets this message: only the one whose claim is new answers it.
  if (!(await deps.claim('discord:message', message.id))) return void deps.log.info('discord.claimed_elsewhere', { messageId: message.id });
  const reply = (content: string) =>
    deps.rest
      .post(Routes.channelMessages(message.channelId), { body: { content, allowed_mentions: NO_MENTIONS, message_reference: { message_id: message.id, fail_if_not_exists: false } } })
      .catch((error: unknown) => deps.log.warn('discord.reply_failed', { channelId: message.channelId, permission: isPermissionError(error), error }));

  try {
    await answerMention(deps, message, botId, reply);
  } catch (error) {
    // Claimed here, so no other replica answers it: whatever went wrong, the person hears back.
    deps.log.error('discord.mention_failed', { messageId: message.id, error });
    await reply(FAILED_TEXT);
  }
}

async function answerMention(deps: MentionDeps, message: Message<true>, botId: string, reply: (content: string) => Promise<unknown>): Promise<void> {
  if (!deps.accepting()) return void (await reply(RESTARTING_TEXT));
  const referenced = message.reference?.messageId;
  if (referenced && !deps.messageContentIntent) return void (await reply(NO_INTENT_TEXT));

  const text = message.content.replace(new RegExp(`<@!?${botId}>`, 'g'), ' ').trim();
  if (!text && message.attachments.size === 0) return void (await reply(MENTION_HELP_TEXT));
  const parsed = parseOptionsText(text);
  if (!parsed.ok) return void (await reply(problemsText(parsed.problems)));

  const files: DiscordFile[] = [];
  const refs: { channelId: string; messageId: string }[] = [];
  if (referenced) {
    const channelId = message.reference?.channelId ?? message.channelId;
    try {
      const original = (await deps.rest.get(Routes.channelMessage(channelId, referenced))) as APIMessage;
      files.push(...original.attachments.map(fromApi));
      refs.push({ channelId, messageId: referenced });
    } catch (error) {
      deps.log.warn('discord.reference_fetch_failed', { channelId, error });
      return void (await reply(isPermissionError(error) ? 'I cannot read the message you replied to. Ask an admin to give me **Read Message History** here.' : 'I could not find the message you replied to.'));
    }
  }
  if (message.attachments.size > 0) {
    files.push(...[...message.attachments.values()].map(fromDiscordJs));
    refs.push({ channelId: message.channelId, messageId: message.id });
  }
  const started = await startVideo(
    { service: deps.service(), rest: deps.rest, log: deps.log },
    {
      request: { prompt: parsed.value.prompt, options: parsed.value.options, given: [...parsed.value.given] },
      files,
      // The author's roles, as the gateway sent them with the message (for who may use the bot).
      membership: { groups: message.member ? [...message.member.roles.cache.keys()] : [] },
      requester: { platform: 'discord', userId: message.author.id, displayName: message.author.globalName ?? message.author.username, scopeId: message.guildId },
      channelId: message.channelId,
      ...(refs.length > 0 ? { origin: { kind: 'messages' as const, refs } } : {}),
    },
  );
  // Success shows itself: the status message and its thread appear in the channel.
  if (!started.ok) await reply(started.text);
}

function mentionedInText(content: string, botId: string): boolean {
  return content.includes(`<@${botId}>`) || content.includes(`<@!${botId}>`);
}
