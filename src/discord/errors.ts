/**
 * Discord API failures as stable codes, and the sentences that say what an admin should change.
 * JSON error codes: https://docs.discord.com/developers/topics/opcodes-and-status-codes#json
 */
import { DiscordAPIError } from 'discord.js';
import { BotError } from '../core/errors.js';

export const DISCORD_CODES = {
  unknownChannel: 10003,
  unknownMessage: 10008,
  unknownInteraction: 10062,
  missingAccess: 50001,
  missingPermissions: 50013,
  invalidWebhookToken: 50027,
  entityTooLarge: 40005,
} as const;

export const apiCode = (error: unknown): number | string | undefined => (error instanceof DiscordAPIError ? error.code : undefined);
export const isPermissionError = (error: unknown) => apiCode(error) === DISCORD_CODES.missingPermissions || apiCode(error) === DISCORD_CODES.missingAccess;

export type DiscordProblem = 'discord.cannot_send_messages' | 'discord.cannot_create_threads' | 'discord.cannot_attach_files' | 'discord.cannot_read_history' | 'discord.unknown';

const SENTENCES: Record<DiscordProblem, string> = {
  'discord.cannot_send_messages': 'I am not allowed to send messages in this channel. Ask an admin to give me **Send Messages** (and **View Channel**) here.',
  'discord.cannot_create_threads': 'I am not allowed to open threads in this channel. Ask an admin to give me **Create Public Threads** and **Send Messages in Threads** here.',
  'discord.cannot_attach_files': 'I am not allowed to attach files in this channel. Ask an admin to give me **Attach Files** here.',
  'discord.cannot_read_history': 'I am not allowed to read the message history here. Ask an admin to give me **Read Message History**.',
  'discord.unknown': 'Discord refused the request. Try again in a minute.',
};

export function discordProblemSentence(code: string): string | undefined {
  return SENTENCES[code as DiscordProblem];
}

/** Wraps a failed Discord call as a BotError with one of the codes above. */
export function asDiscordError(error: unknown, whenDenied: DiscordProblem): BotError {
  const code = isPermissionError(error) ? whenDenied : 'discord.unknown';
  return new BotError(code, `${SENTENCES[code]} (${error instanceof Error ? error.message : String(error)})`, { cause: error });
}

/** When the bot could not even claim an interaction (its store did not answer): nothing was started. */
export const CLAIM_FAILED_TEXT = 'Something went wrong on my side, so nothing was started. Try again in a minute; if it keeps happening, tell the operator of this bot.';
