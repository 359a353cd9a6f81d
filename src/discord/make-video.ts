/**
 * The files of a "Make video" target, between the context menu and its form. Discord sends the
 * target message whole (files included) with the context-menu interaction, but not with the form's
 * submission, so they are kept here per person and message. When they are gone (a restart, another
 * replica, a form left open too long) the message is fetched again; a job that had files is never
 * turned into one without them.
 */
import { Routes, type APIMessage, type REST } from 'discord.js';
import type { Logger } from '../core/log.js';
import { fromApi, type DiscordFile } from './attachments.js';
import { apiCode, DISCORD_CODES, isPermissionError } from './errors.js';

/** How long a form's files wait; a modal has no expiry, so this only bounds memory. */
export const FORM_FILES_TTL_MS = 15 * 60_000;
/** At most this many forms' files are kept; the oldest go first (they are fetched again if needed). */
export const FORM_FILES_MAX = 5_000;

export const OTHER_CHANNEL_TEXT = 'This form belongs to a message in another channel. Run **Make video** again on the message you want, in its channel.';
export const FILES_GONE_TEXT =
  'I no longer have the files of that message (the bot restarted, or the form was open too long), and I cannot fetch them again. ' +
  'Run **Make video** on the message again. Nothing was spent.';
export const MESSAGE_GONE_TEXT = 'I could not find that message any more (was it deleted?). Run **Make video** on a message that has the files. Nothing was spent.';
export const CANNOT_READ_TEXT = 'I cannot read that message: ask an admin to give me **Read Message History** here, then run **Make video** again. Nothing was spent.';

export interface FormKey {
  userId: string;
  channelId: string;
  messageId: string;
}

const keyOf = (key: FormKey) => `${key.userId}:${key.channelId}:${key.messageId}`;

/** Files waiting for their form, per person and message. */
export class FormFiles {
  private readonly entries = new Map<string, { files: DiscordFile[]; at: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  put(key: FormKey, files: DiscordFile[]): void {
    this.sweep();
    const id = keyOf(key);
    this.entries.delete(id);
    this.entries.set(id, { files, at: this.now() });
    while (this.entries.size > FORM_FILES_MAX) this.entries.delete(this.entries.keys().next().value!);
  }

  /** The files, once: a submitted form is closed. */
  take(key: FormKey): DiscordFile[] | undefined {
    const id = keyOf(key);
    const entry = this.entries.get(id);
    this.entries.delete(id);
    return entry && this.now() - entry.at <= FORM_FILES_TTL_MS ? entry.files : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (now - entry.at <= FORM_FILES_TTL_MS) break; // insertion order is age order
      this.entries.delete(id);
    }
  }
}

export type FormFilesOutcome = { ok: true; files: DiscordFile[] } | { ok: false; text: string };

/**
 * The files for a submitted form: the kept ones, or the message's files fetched again. `expected`
 * is the count the form was opened with (undefined for forms from older versions: then at least
 * one file must be found, since none can be told apart from files hidden by a missing intent).
 */
export async function filesForForm(deps: { rest: REST; log: Logger }, kept: DiscordFile[] | undefined, key: FormKey, expected: number | undefined): Promise<FormFilesOutcome> {
  if (kept) return { ok: true, files: kept };
  if (expected === 0) return { ok: true, files: [] };
  let message: APIMessage;
  try {
    message = (await deps.rest.get(Routes.channelMessage(key.channelId, key.messageId))) as APIMessage;
  } catch (error) {
    deps.log.warn('discord.form_refetch_failed', { channelId: key.channelId, messageId: key.messageId, permission: isPermissionError(error), error });
    if (isPermissionError(error)) return { ok: false, text: CANNOT_READ_TEXT };
    return { ok: false, text: apiCode(error) === DISCORD_CODES.unknownMessage || apiCode(error) === DISCORD_CODES.unknownChannel ? MESSAGE_GONE_TEXT : FILES_GONE_TEXT };
  }
  // Without the Message Content intent Discord answers the message with its files left out.
  const files = message.attachments.map(fromApi);
  if (files.length === 0 || (expected !== undefined && files.length < expected)) {
    deps.log.info('discord.form_files_gone', { channelId: key.channelId, messageId: key.messageId, expected, found: files.length });
    return { ok: false, text: FILES_GONE_TEXT };
  }
  return { ok: true, files };
}
