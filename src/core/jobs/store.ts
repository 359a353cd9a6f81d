/**
 * Where jobs live: records in keyv, plus the few atomic operations that exactly-once delivery
 * and budgets need (leases, capped counters, capped sets). Two backends: embedded SQLite for
 * one instance, Redis for several instances sharing the same jobs.
 */
import type { JobRecord, Platform } from './job.js';

export interface JobStore {
  /** True when several bot instances may share this store (Redis). */
  readonly shared: boolean;

  get(id: string): Promise<JobRecord | undefined>;
  /** Saves a new record; false when the id is taken (the caller picks another id). */
  create(record: JobRecord): Promise<boolean>;
  /** Saves a record and keeps the active and per-user indexes in step with its state. */
  put(record: JobRecord): Promise<void>;
  /** Ids of jobs that are not terminal, without a scan of all records. */
  activeIds(): Promise<string[]>;
  /** The user's most recent job ids, newest first. */
  recentIdsOf(platform: Platform, userId: string, limit: number): Promise<string[]>;

  /** Takes or renews a named lease; true when `owner` holds it for `ttlMs` from now. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** acquireLease for many names at once (one round trip): which ones `owner` now holds. */
  acquireLeases(names: readonly string[], owner: string, ttlMs: number): Promise<boolean[]>;
  /** Gives a lease back, only if `owner` still holds it. */
  releaseLease(name: string, owner: string): Promise<void>;

  /**
   * Adds `amount` to a counter only if the result stays within `limit`, atomically: a burst of
   * concurrent reservations can never pass the limit together. The counter expires after `ttlMs`.
   */
  reserve(counter: string, amount: number, limit: number, ttlMs: number): Promise<{ granted: boolean; used: number }>;
  /** Adds `delta` (negative to give back) to a counter without a limit; returns the new value. */
  adjust(counter: string, delta: number): Promise<number>;
  counterValue(counter: string): Promise<number>;

  /** Adds `member` to a set only while the set has fewer than `limit` members (or it is already in). */
  joinCapped(set: string, member: string, limit: number): Promise<boolean>;
  leave(set: string, member: string): Promise<void>;
  members(set: string): Promise<string[]>;

  /** True when the backend answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
