/**
 * One command is one job, whichever instance receives it. Discord delivers every message and
 * interaction to every gateway session of the bot (each replica holds one); Slack retries an
 * event it thinks was lost (`X-Slack-Retry-Num`), possibly to another replica or after a restart;
 * a request may be replayed. So each adapter claims what it received in the store before anything
 * else happens (before any answer, download, status post or spend), and only the instance whose
 * claim is new goes on. A claim is a set-if-absent with an expiry (JobStore.claim): it holds
 * across instances (Redis) and across a restart (SQLite and Redis), and is gone after CLAIM_TTL_MS.
 */
import { createHash } from 'node:crypto';
import type { JobStore } from './jobs/store.js';

/** What is claimed. The store's key says it: `claim:<kind>:<id>`, e.g. `claim:slack:event:Ev123`. */
export type ClaimKind =
  | 'discord:message' // a MESSAGE_CREATE that mentions the bot, by message id
  | 'discord:interaction' // slash command, context menu, button or modal submit, by interaction id
  | 'slack:event' // an Events API event and its retries, by event_id
  | 'slack:command' // a slash command, by trigger_id
  | 'slack:shortcut' // a shortcut, by trigger_id
  | 'slack:action' // a button click (block_actions), by trigger_id
  | 'slack:view'; // a form submission (view_submission), by trigger_id

/**
 * Hours, not for ever: far longer than anything is redelivered (Slack retries within minutes,
 * Discord interaction tokens live 15 minutes), short enough that the keys do not pile up.
 */
export const CLAIM_TTL_MS = 6 * 60 * 60_000;

/** Ids come from outside: a long one is stored as its hash, so a key never grows unbounded. */
const MAX_ID_LENGTH = 128;
const MEMORY_CLAIMS_MAX = 10_000;

export interface Claims {
  /** True when other instances claim in the same place (Redis): one of them may take what this one leaves. */
  readonly shared: boolean;
  /** True for the first caller to claim this id of this kind (across instances and restarts), false for every later one. */
  claimOnce(kind: ClaimKind, id: string): Promise<boolean>;
}

export function claimName(kind: ClaimKind, id: string): string {
  if (id === '') throw new Error(`a ${kind} claim needs an id`);
  const safe = id.length > MAX_ID_LENGTH ? `sha256-${createHash('sha256').update(id).digest('hex')}` : id;
  return `${kind}:${safe}`;
}

/** Claims in the job store: what app.ts gives every adapter. */
export function storeClaims(store: Pick<JobStore, 'claim' | 'shared'>, ttlMs = CLAIM_TTL_MS): Claims {
  return { shared: store.shared, claimOnce: (kind, id) => store.claim(claimName(kind, id), ttlMs) };
}

/**
 * Claims in this process's memory, for an adapter started without a store (tools, some tests):
 * one process only, forgotten on restart.
 */
export function memoryClaims(ttlMs = CLAIM_TTL_MS, now: () => number = Date.now): Claims {
  const held = new Map<string, number>();
  return {
    shared: false,
    async claimOnce(kind, id) {
      const name = claimName(kind, id);
      const at = now();
      if ((held.get(name) ?? 0) > at) return false;
      held.delete(name);
      held.set(name, at + ttlMs);
      // Oldest first (one ttl for all): drop the expired, and the oldest beyond a bounded number.
      for (const [key, expires] of held) {
        if (expires > at && held.size <= MEMORY_CLAIMS_MAX) break;
        held.delete(key);
      }
      return true;
    },
  };
}
