/**
 * When Redis (STORE_URL) does not answer: every call of a Redis-backed store fails within a few
 * seconds with one stable error, `store.unreachable`, instead of waiting in the client's queue for
 * ever (the first connection is awaited by every call, and node-redis retries it without end;
 * MULTI/EXEC has no command timeout of its own). The adapters answer it with
 * STORE_UNREACHABLE_TEXT, so an interaction is never left hanging.
 */
import {
  ClientClosedError,
  ClientOfflineError,
  ConnectionTimeoutError,
  ReconnectStrategyError,
  SocketClosedUnexpectedlyError,
  SocketTimeoutError,
  TimeoutError,
} from '@redis/client';
import { BotError, isBotError } from '../errors.js';

export const STORE_UNREACHABLE = 'store.unreachable';
/**
 * How long one store call may take before it fails: under Slack's 3-second acknowledgement, which
 * waits for a claim; far above what a healthy Redis takes (well under a millisecond a command).
 */
export const STORE_TIMEOUT_MS = 2_000;

/** What the adapters say when the store did not answer. */
export const STORE_UNREACHABLE_TEXT =
  "The bot's store is unreachable right now, so nothing was done. Try again in a minute; if it keeps happening, tell the operator of this bot.";

export class StoreUnreachable extends BotError<typeof STORE_UNREACHABLE> {
  constructor(what: string, cause?: unknown) {
    super(STORE_UNREACHABLE, `the store did not answer (${what})`, cause === undefined ? {} : { cause });
    this.name = 'StoreUnreachable';
  }
}

export const isStoreUnreachable = (error: unknown): error is StoreUnreachable => isBotError(error) && error.code === STORE_UNREACHABLE;

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/** node-redis's ways of saying it could not reach the server (not a refusal by the server). */
function isConnectionError(error: unknown): boolean {
  if (
    error instanceof TimeoutError ||
    error instanceof ClientOfflineError ||
    error instanceof ClientClosedError ||
    error instanceof ConnectionTimeoutError ||
    error instanceof SocketClosedUnexpectedlyError ||
    error instanceof SocketTimeoutError ||
    error instanceof ReconnectStrategyError
  ) {
    return true;
  }
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}

/** The client options every Redis user in the core shares: commands time out (also while offline). */
export function redisClientOptions(url: string, timeoutMs = STORE_TIMEOUT_MS) {
  return { url, commandOptions: { timeout: timeoutMs }, socket: { connectTimeout: timeoutMs } };
}

/**
 * Closes a client: gracefully when connected, but commands left unanswered (Redis went silent)
 * would hold that for ever, so it is cut off after `ms`; never connected: its retries stop.
 */
export async function closeClient(client: { isReady: boolean; isOpen: boolean; close(): Promise<unknown>; destroy(): unknown }, connecting: Promise<unknown>, ms: number): Promise<void> {
  await bounded(connecting, ms, 'close').catch(() => undefined);
  if (client.isReady) await bounded(client.close(), ms, 'close').catch(() => client.isOpen && client.destroy());
  else if (client.isOpen) client.destroy();
}

/** `work`, failing with StoreUnreachable after `ms` or when it fails for want of a connection. */
export async function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  work.catch(() => undefined); // failing after the bound: already answered
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnreachable(`${what}: no answer in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } catch (error) {
    if (isConnectionError(error)) throw new StoreUnreachable(what, error);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Bounds every method of `target` (those of its class, except `except`) with `bounded`: a call
 * that returns a promise fails with StoreUnreachable after `ms`; a method that answers at once is
 * left as it is. Methods added to the class later are bounded too.
 */
export function boundEveryCall(target: object, ms: number, except: readonly string[] = []): void {
  const proto = Object.getPrototypeOf(target) as object;
  for (const name of Object.getOwnPropertyNames(proto)) {
    const method: unknown = Object.getOwnPropertyDescriptor(proto, name)?.value;
    if (name === 'constructor' || except.includes(name) || typeof method !== 'function') continue;
    Object.defineProperty(target, name, {
      configurable: true,
      writable: true,
      value: (...args: unknown[]) => {
        const result: unknown = method.apply(target, args);
        return result instanceof Promise ? bounded(result, ms, name) : result;
      },
    });
  }
}
