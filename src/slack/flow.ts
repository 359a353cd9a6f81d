/** What every handler (command, mention, shortcut, actions) shares. */
import type { Logger } from '../core/log.js';
import type { VideoService, Actor } from '../core/service.js';
import type { FileAccess } from './files.js';
import type { SlackPort } from './port.js';
import type { WebClient } from './web-client.js';
import { isStoreUnreachable, STORE_UNREACHABLE_TEXT } from '../core/jobs/store-unreachable.js';

export interface Flow {
  client: WebClient;
  port: SlackPort;
  access: FileAccess;
  log: Logger;
  /** The core's facade; set once the adapter has started. */
  service(): VideoService;
  /** False once the bot is shutting down. */
  accepting(): boolean;
  botUserId(): string | undefined;
  botName(): string;
}

export const actorOf = (userId: string): Actor => ({ platform: 'slack', userId });

export const SOMETHING_WENT_WRONG = 'Something went wrong on my side while handling that. Try again in a minute; if it keeps happening, tell the operator of this bot.';

/**
 * Runs a handler's slow part after the ack. A failure is logged and, when `reply` is given, the
 * person is told in a sentence (never the error's text, which may name internals).
 */
export function afterAck(flow: Flow, what: string, reply: ((text: string) => Promise<unknown>) | undefined, work: () => Promise<void>): Promise<void> {
  return work().catch(async (error: unknown) => {
    flow.log.error('slack.handler_failed', { handler: what, error });
    await reply?.(isStoreUnreachable(error) ? STORE_UNREACHABLE_TEXT : SOMETHING_WENT_WRONG).catch(() => undefined);
  });
}
