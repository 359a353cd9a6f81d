/**
 * Bolt's and the Web API client's logger interface over the bot's Logger (which scrubs secrets).
 * Their debug lines carry whole payloads: Slack's answers (private message text, presigned upload
 * URLs), request bodies and headers, incoming events. Only the method and its outcome are kept;
 * any other debug line is reduced to its label, and one that is all payload is dropped.
 */
import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import type { LogFields, Logger } from '../core/log.js';

const text = (parts: unknown[]) => parts.map((p) => (typeof p === 'string' ? p : p instanceof Error ? p.message : JSON.stringify(p))).join(' ');

/** `apiCall('chat.postMessage') start` */
const API_CALL = /^apiCall\('([\w.]+)'\) (start|end)$/;
const RESULT = 'http request result: ';

/** What may be logged of one debug line, or undefined to drop it. */
export function debugFields(parts: unknown[]): LogFields | undefined {
  const first = typeof parts[0] === 'string' ? parts[0] : '';
  const call = API_CALL.exec(first);
  if (call) return { method: call[1], phase: call[2] };
  if (first.startsWith(RESULT)) return { message: 'http request result', outcome: outcomeOf(first.slice(RESULT.length)) };
  // "http request body: {…}", "Error details: …": the label without what follows it.
  const label = /^[A-Za-z][A-Za-z ()'.-]{0,60}?(?=:\s|$)/.exec(first)?.[0];
  return label ? { message: label } : undefined;
}

function outcomeOf(json: string): string {
  try {
    const result = JSON.parse(json) as { ok?: unknown; error?: unknown };
    if (result.ok === true) return 'ok';
    return typeof result.error === 'string' && /^[a-z_]{1,60}$/.test(result.error) ? result.error : 'not ok';
  } catch {
    return 'unreadable';
  }
}

export function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  return {
    debug: (...parts: unknown[]) => {
      const fields = debugFields(parts);
      if (fields) log.debug('slack.bolt', fields);
    },
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
