/** Bolt's logger interface over the bot's Logger (which scrubs secrets from every line). */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { Logger } from '../core/log.js';

const text = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');

export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: (...parts: unknown[]) => log.debug('slack.bolt', { message: text(parts) }),
    info: (...parts: unknown[]) => log.info('slack.bolt', { message: text(parts) }),
    warn: (...parts: unknown[]) => log.warn('slack.bolt', { message: text(parts) }),
    error: (...parts: unknown[]) => log.error('slack.bolt', { message: text(parts) }),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
