/**
 * Where jobs live: records in keyv, plus the few atomic operations that exactly-once delivery
 * and budgets need (leases, capped counters, capped sets). Two backends: embedded SQLite for
 * one instance, Redis for several instances sharing the same jobs.
 */
import type { LineStore } from './fair-queue.js';
import type { JobRecord, Platform } from './job.js';

/** JOB_RETENTION_DAYS' default: how long a finished job (and its place in /jobs) is kept. */
export const DEFAULT_JOB_RETENTION_MS = 30 * 86_400_000;
/** How long a counter lives after it was first written, when the caller names no expiry. */
export const COUNTER_TTL_MS = 2 * 86_400_000;

export interface SaveOptions {
  later?: boolean;
}

export interface JobStoreOptions {
  /** How long a finished job is kept after it ended; active jobs are never removed. */
  retentionMs?: number;
}

export interface JobStore {
  /** True when several bot instances may share this store (Redis). */
  readonly shared: boolean;

  get(id: string): Promise<JobRecord | undefined>;
  /** Saves a new record; false when the id is taken (the caller picks another id). */
  create(record: JobRecord): Promise<boolean>;
  /** Saves a record and keeps the active and per-user indexes in step with its state. */
  /** `later`: nobody waits on this save (a store with a write queue may put it behind the urgent ones). */
  put(record: JobRecord, options?: SaveOptions): Promise<void>;
  /** Ids of jobs that are not terminal, without a scan of all records. */
  activeIds(): Promise<string[]>;
  /** Active ids with no record: a new job's index written, its record never (a crash in between). */
  activeWithoutRecord(): Promise<string[]>;
  /** Drops `id` from the active index (and /jobs) only while it has no record; true when dropped. */
  forgetActive(id: string): Promise<boolean>;
  /** The user's most recent job ids, newest first. */
  recentIdsOf(platform: Platform, userId: string, limit: number): Promise<string[]>;
  /** Everyone's most recent job ids, newest first: for the operator's `seedance jobs`, not a hot path. */
  recentIds(limit: number): Promise<string[]>;

  /** Takes or renews a named lease; true when `owner` holds it for `ttlMs` from now. */
  acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean>;
  /** acquireLease for many names at once (one round trip): which ones `owner` now holds. */
  acquireLeases(names: readonly string[], owner: string, ttlMs: number): Promise<boolean[]>;
  /** Gives a lease back, only if `owner` still holds it. */
  releaseLease(name: string, owner: string): Promise<void>;

  /**
   * Sets `name` for `ttlMs` only if it is not set (or has expired): true for the first caller,
   * false for every other until it expires, across instances and restarts (see src/core/claims.ts).
   */
  claim(name: string, ttlMs: number): Promise<boolean>;

  /**
   * Adds `amount` to a counter only if the result stays within `limit`, atomically: a burst of
   * concurrent reservations can never pass the limit together. The counter expires after `ttlMs`.
   */
  reserve(counter: string, amount: number, limit: number, ttlMs: number): Promise<{ granted: boolean; used: number }>;
  /**
   * Adds `delta` (negative to give back) to a counter without a limit; returns the new value.
   * The counter expires after `ttlMs` (COUNTER_TTL_MS when not given): no counter lives for ever.
   */
  adjust(counter: string, delta: number, ttlMs?: number): Promise<number>;
  counterValue(counter: string): Promise<number>;

  /** Adds `member` to a set only while the set has fewer than `limit` members (or it is already in). */
  joinCapped(set: string, member: string, limit: number): Promise<boolean>;
  leave(set: string, member: string): Promise<void>;
  members(set: string): Promise<string[]>;
  /** The waiting line every instance shares (fair-queue.ts). */
  readonly line: LineStore;

  /** Names of the sets that have members and start with `prefix` (for the slot repair, not a hot path). */
  setNames(prefix: string): Promise<string[]>;

  /**
   * Removes what has outlived its time (see retention.ts): up to `limit` finished jobs older than
   * the retention, with their index rows, plus expired counters and leases. Returns how many jobs
   * were removed; less than `limit` means nothing is left for now. Redis expires every key itself
   * (a finished job's keys get an expiry when it is saved); there it only gives keys written
   * before that an expiry, once per start, and answers `limit` while that sweep has more to do.
   */
  prune(limit: number): Promise<number>;

  /** True when the backend answers. */
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
