/**
 * Keeps one completion-event subscription alive: connect, deliver events, and after every drop
 * reconnect with jittered backoff (1 s doubling to 60 s; at least 30 s after Oxen refused the
 * stream with a non-2xx), until the signal aborts. Oxen does not replay missed events, so
 * `onConnected` fires after every (re)connect for the caller to reconcile by polling.
 */
import type { OxenClient } from './client.js';
import { OxenError } from './errors.js';
import type { EventStreamOptions } from './events.js';
import { jitteredBackoff, realSleep, type Sleep } from './retry.js';
import type { CompletionEvent } from './types.js';

export interface CompletionBackoff {
  initialMs: number;
  maxMs: number;
  /** Floor after a non-2xx answer (auth trouble, rate limiting, outage). */
  afterRejectionMs: number;
  sleep: Sleep;
  random: () => number;
}

export const DEFAULT_COMPLETION_BACKOFF: CompletionBackoff = {
  initialMs: 1_000,
  maxMs: 60_000,
  afterRejectionMs: 30_000,
  sleep: realSleep,
  random: Math.random,
};

export interface SubscribeCompletionsOptions extends EventStreamOptions {
  client: Pick<OxenClient, 'events'>;
  signal: AbortSignal;
  /** Awaited before the next event is read. A throw is passed to `onError`, not fatal. */
  onEvent: (event: CompletionEvent) => void | Promise<void>;
  /**
   * After each successful (re)connect. Not awaited, so a long reconciliation does not stall the
   * stream; events may arrive meanwhile, so handling must be idempotent.
   */
  onConnected?: () => void | Promise<void>;
  /** After each drop or failed attempt, with the cause (undefined: the server ended the stream). */
  onDisconnected?: (error: unknown, reconnectInMs: number) => void;
  /** A callback (onEvent / onConnected) threw. */
  onError?: (error: unknown) => void;
  backoff?: Partial<CompletionBackoff>;
}

/** Resolves when `signal` aborts; never rejects. */
export async function subscribeCompletions(options: SubscribeCompletionsOptions): Promise<void> {
  const { client, signal } = options;
  const backoff = { ...DEFAULT_COMPLETION_BACKOFF, ...options.backoff };
  const streamOptions: EventStreamOptions = {
    ...(options.idleTimeoutMs !== undefined ? { idleTimeoutMs: options.idleTimeoutMs } : {}),
    ...(options.onMalformed ? { onMalformed: options.onMalformed } : {}),
  };
  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A failing error reporter must not end the subscription.
    }
  };
  let failures = 0;

  while (!signal.aborted) {
    let cause: unknown;
    try {
      const stream = await client.events(signal, streamOptions);
      failures = 0;
      if (options.onConnected) {
        Promise.resolve()
          .then(options.onConnected)
          .catch(report);
      }
      try {
        for await (const event of stream) {
          try {
            await options.onEvent(event);
          } catch (error) {
            report(error);
          }
        }
      } finally {
        stream.close();
      }
    } catch (error) {
      cause = error;
    }
    if (signal.aborted) return;

    failures += 1;
    const wait = reconnectDelay(failures, cause, backoff);
    try {
      options.onDisconnected?.(cause, wait);
    } catch (error) {
      report(error);
    }
    try {
      await backoff.sleep(wait, signal);
    } catch {
      return;
    }
  }
}

export function reconnectDelay(failures: number, cause: unknown, backoff: CompletionBackoff): number {
  const wait = jitteredBackoff(failures, backoff.initialMs, backoff.maxMs, backoff.random);
  if (!(cause instanceof OxenError) || cause.status === undefined) return wait;
  return Math.max(wait, backoff.afterRejectionMs, cause.retryAfterMs ?? 0);
}
