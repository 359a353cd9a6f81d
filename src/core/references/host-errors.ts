/** Why a host could not make a reference fetchable; the caller may try another host. */
import { BotError, isBotError } from '../errors.js';

export type NotHostableReason =
  /** The platform gave no public URL (Slack files, uploads without one). */
  | 'no_public_url'
  /** The URL needs credentials (Slack url_private) or is not http(s). */
  | 'private_url'
  /** Discord ephemeral attachments vanish after an undocumented time. */
  | 'ephemeral'
  /** A Discord CDN URL without a readable `ex` expiry. */
  | 'unknown_expiry'
  | 'expires_too_soon';

export class ReferenceNotHostableError extends BotError<'reference.not_hostable'> {
  constructor(
    readonly reason: NotHostableReason,
    readonly fileName: string,
    message: string,
  ) {
    super('reference.not_hostable', message);
    this.name = 'ReferenceNotHostableError';
  }
}

export function isNotHostable(error: unknown): error is BotError<'reference.not_hostable'> {
  return isBotError(error) && error.code === 'reference.not_hostable';
}
