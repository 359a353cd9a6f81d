/** Bounded, jittered retries. Sleep and randomness are injectable so tests run instantly. */
import { setTimeout as delay } from 'node:timers/promises';
import { OxenError } from './errors.js';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryPolicy {
  /** Attempts in total, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the error goes to the caller. */
  maxRetryAfterMs: number;
  sleep: Sleep;
  /** In [0, 1). */
  random: () => number;
}

/** Waits `ms`; rejects with the signal's reason if it aborts first. */
export const realSleep: Sleep = async (ms, signal) => {
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  }
};

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 120_000,
  sleep: realSleep,
  random: Math.random,
};

/**
 * Exponential backoff with "equal jitter": the n-th wait (1-based) lies in [cap/2, cap) where
 * cap = min(max, initial * 2^(n-1)), so waits grow but never collapse to zero.
 */
export function jitteredBackoff(n: number, initialMs: number, maxMs: number, random: () => number): number {
  const cap = Math.min(maxMs, initialMs * 2 ** Math.max(0, n - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * Runs `attempt` until it succeeds, `shouldRetry` refuses, or attempts run out. A Retry-After on
 * the error is honoured exactly instead of the backoff.
 */
export async function withRetries<T>(
  attempt: () => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  policy: RetryPolicy,
  signal?: AbortSignal,
): Promise<T> {
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= policy.maxAttempts || signal?.aborted || !shouldRetry(error)) throw error;
      const retryAfterMs = error instanceof OxenError ? error.retryAfterMs : undefined;
      if (retryAfterMs !== undefined && retryAfterMs > policy.maxRetryAfterMs) throw error;
      const wait = retryAfterMs ?? jitteredBackoff(n, policy.baseDelayMs, policy.maxDelayMs, policy.random);
      await policy.sleep(wait, signal);
    }
  }
}

/** Reads, cancels and other calls that are safe to repeat. */
export function isRetryableRead(error: unknown): boolean {
  return (
    error instanceof OxenError &&
    (error.code === 'rate_limited' || error.code === 'server' || error.code === 'network' || error.code === 'timeout')
  );
}

/**
 * An enqueue may already have been accepted and billed after a 5xx, a timeout or a reset, so it
 * is only sent again when Oxen certainly refused it: 429, or a refused connection.
 */
export function isRetryableEnqueue(error: unknown): boolean {
  return error instanceof OxenError && (error.code === 'rate_limited' || (error.code === 'network' && error.notDelivered));
}
