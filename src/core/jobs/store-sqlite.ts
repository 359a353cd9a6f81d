/**
 * The embedded store: one SQLite file under DATA_DIR, for a single bot instance. Records go
 * through keyv; the indexes and counters are small tables in the same file, changed under an
 * in-process mutex (one process owns the file, so that is enough for atomicity).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import type { JobRecord, Platform } from './job.js';
import { isTerminal } from './job.js';
import type { LineStore } from './fair-queue.js';
import { MemoryLine } from './line-memory.js';
import { Mutex } from './mutex.js';
import { COUNTER_TTL_MS, DEFAULT_JOB_RETENTION_MS, type JobStore, type JobStoreOptions } from './store.js';

const TABLES = [
  'CREATE TABLE IF NOT EXISTS active_jobs (id TEXT PRIMARY KEY)',
  'CREATE TABLE IF NOT EXISTS user_jobs (user_key TEXT NOT NULL, id TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (user_key, id))',
  'CREATE INDEX IF NOT EXISTS user_jobs_recent ON user_jobs (user_key, created DESC)',
  'CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value REAL NOT NULL, expires INTEGER NOT NULL)',
  'CREATE TABLE IF NOT EXISTS set_members (set_name TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (set_name, member))',
  'CREATE TABLE IF NOT EXISTS claims (name TEXT PRIMARY KEY, expires INTEGER NOT NULL)',
  'CREATE INDEX IF NOT EXISTS claims_expiry ON claims (expires)',
  // When each finished job ended, for the prune; and user_jobs by id, to drop a pruned job's rows.
  'CREATE TABLE IF NOT EXISTS finished_jobs (id TEXT PRIMARY KEY, ended INTEGER NOT NULL)',
  'CREATE INDEX IF NOT EXISTS finished_jobs_ended ON finished_jobs (ended)',
  'CREATE INDEX IF NOT EXISTS user_jobs_id ON user_jobs (id)',
];

type Row = Record<string, unknown>;

export class SqliteJobStore implements JobStore {
  readonly shared = false;
  private readonly records: Keyv<JobRecord>;
  private readonly sqlite: KeyvSqlite;
  private readonly ready: Promise<void>;
  private readonly mutex = new Mutex();
  // One process owns the file, so the waiting line needs no other instance to see it (line-memory.ts).
  readonly line: LineStore = new MemoryLine();
  private readonly file: string;
  /** Claims' own connection to the file (see claim). */
  private claimsDb?: KeyvSqlite;
  // One process owns the file, so leases only need to outlive calls within it.
  private readonly leases = new Map<string, { owner: string; expires: number }>();
  private readonly retentionMs: number;
  /**
   * Active jobs whose index rows (user_jobs, active_jobs) this process has written: a later save
   * of one writes only its record, one statement instead of three. Only writeRecord removes an
   * active_jobs row, and it drops the id from here first.
   */
  private readonly indexed = new Set<string>();

  constructor(dataDir: string, private readonly now: () => number = Date.now, options: JobStoreOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_JOB_RETENTION_MS;
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'seedance-bot.sqlite');
    const sqlite = new KeyvSqlite({ uri: `sqlite://${this.file}`, busyTimeout: 10_000 });
    this.sqlite = sqlite;
    this.records = new Keyv<JobRecord>({ store: sqlite, namespace: 'job' });
    this.records.on('error', () => undefined); // surfaced through the rejected calls instead
    this.ready = (async () => {
      const [tracked] = await sqlite.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'finished_jobs'");
      for (const statement of ['PRAGMA journal_mode = WAL', ...TABLES]) await sqlite.query(statement);
      // A file from before the prune: its finished jobs are dated by when they were created.
      if (!tracked) {
        await sqlite.query(
          'INSERT OR IGNORE INTO finished_jobs (id, ended) SELECT id, MAX(created) FROM user_jobs WHERE id NOT IN (SELECT id FROM active_jobs) GROUP BY id',
        );
      }
    })();
  }

  private async query(sql: string, ...params: unknown[]): Promise<Row[]> {
    await this.ready;
    return (await this.sqlite.query(sql, ...params)) as Row[];
  }

  async get(id: string): Promise<JobRecord | undefined> {
    await this.ready;
    return this.records.get(id);
  }

  create(record: JobRecord): Promise<boolean> {
    return this.mutex.run(async () => {
      if (await this.records.has(record.id)) return false;
      await this.writeRecord(record);
      return true;
    });
  }

  put(record: JobRecord): Promise<void> {
    return this.mutex.run(() => this.writeRecord(record));
  }

  // Index first for active records, record first for finished ones: a crash in between
  // leaves at worst a stale index entry, which start-up drops; never an unindexed live job.
  private async writeRecord(record: JobRecord): Promise<void> {
    await this.ready;
    const userKey = `${record.requester.platform}:${record.requester.userId}`;
    if (!this.indexed.has(record.id)) await this.query('INSERT OR IGNORE INTO user_jobs (user_key, id, created) VALUES (?, ?, ?)', userKey, record.id, record.createdAt);
    if (isTerminal(record.state)) {
      this.indexed.delete(record.id);
      await this.records.set(record.id, record);
      await this.query('DELETE FROM active_jobs WHERE id = ?', record.id);
      await this.query('INSERT OR IGNORE INTO finished_jobs (id, ended) VALUES (?, ?)', record.id, record.endedAt ?? this.now());
    } else {
      if (!this.indexed.has(record.id)) {
        await this.query('INSERT OR IGNORE INTO active_jobs (id) VALUES (?)', record.id);
        this.indexed.add(record.id);
      }
      await this.records.set(record.id, record);
    }
  }

  async activeIds(): Promise<string[]> {
    return (await this.query('SELECT id FROM active_jobs')).map((r) => String(r['id']));
  }

  async recentIdsOf(platform: Platform, userId: string, limit: number): Promise<string[]> {
    const rows = await this.query(
      'SELECT id FROM user_jobs WHERE user_key = ? ORDER BY created DESC LIMIT ?',
      `${platform}:${userId}`,
      limit,
    );
    return rows.map((r) => String(r['id']));
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.takeLease(name, owner, ttlMs, this.now());
  }

  // The engine renews every job's lease at once: one loop, not thousands of promises.
  async acquireLeases(names: readonly string[], owner: string, ttlMs: number): Promise<boolean[]> {
    const now = this.now();
    return names.map((name) => this.takeLease(name, owner, ttlMs, now));
  }

  private takeLease(name: string, owner: string, ttlMs: number, now: number): boolean {
    const held = this.leases.get(name);
    if (held && held.owner !== owner && held.expires > now) return false;
    this.leases.set(name, { owner, expires: now + ttlMs });
    return true;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    if (this.leases.get(name)?.owner === owner) this.leases.delete(name);
  }

  // Unlike leases, claims are in the file: a Slack retry after a restart is still claimed. One
  // statement, atomic in SQLite itself, on a connection of their own: a claim comes before a
  // 3-second acknowledgement and must not queue behind the engine's writes (WAL lets the two
  // connections' short writes interleave). Expired claims are deleted by prune().
  async claim(name: string, ttlMs: number): Promise<boolean> {
    await this.ready;
    this.claimsDb ??= new KeyvSqlite({ uri: `sqlite://${this.file}`, busyTimeout: 10_000 });
    const now = this.now();
    const taken = (await this.claimsDb.query(
      'INSERT INTO claims (name, expires) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET expires = excluded.expires WHERE claims.expires <= ? RETURNING name',
      name,
      now + Math.max(1, Math.round(ttlMs)),
      now,
    )) as Row[];
    return taken.length === 1;
  }

  reserve(counter: string, amount: number, limit: number, ttlMs: number): Promise<{ granted: boolean; used: number }> {
    return this.mutex.run(async () => {
      const used = await this.readCounter(counter);
      if (used + amount > limit) return { granted: false, used };
      await this.query(
        'INSERT INTO counters (name, value, expires) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, expires = MAX(expires, excluded.expires)',
        counter,
        used + amount,
        this.now() + ttlMs,
      );
      return { granted: true, used: used + amount };
    });
  }

  // Like Redis: an expired counter starts again from 0 with a fresh expiry; a live one keeps its own.
  adjust(counter: string, delta: number, ttlMs = COUNTER_TTL_MS): Promise<number> {
    return this.mutex.run(async () => {
      const now = this.now();
      const value = Math.max(0, (await this.readCounter(counter)) + delta);
      await this.query(
        'INSERT INTO counters (name, value, expires) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, expires = CASE WHEN expires <= ? THEN excluded.expires ELSE expires END',
        counter,
        value,
        now + ttlMs,
        now,
      );
      return value;
    });
  }

  counterValue(counter: string): Promise<number> {
    return this.readCounter(counter);
  }

  private async readCounter(counter: string): Promise<number> {
    const [row] = await this.query('SELECT value, expires FROM counters WHERE name = ?', counter);
    if (!row || Number(row['expires']) <= this.now()) return 0;
    return Number(row['value']);
  }

  joinCapped(set: string, member: string, limit: number): Promise<boolean> {
    return this.mutex.run(async () => {
      const [mine] = await this.query('SELECT 1 FROM set_members WHERE set_name = ? AND member = ?', set, member);
      if (mine) return true;
      const [count] = await this.query('SELECT COUNT(*) AS n FROM set_members WHERE set_name = ?', set);
      if (Number(count?.['n'] ?? 0) >= limit) return false;
      await this.query('INSERT INTO set_members (set_name, member) VALUES (?, ?)', set, member);
      return true;
    });
  }

  leave(set: string, member: string): Promise<void> {
    return this.mutex.run(async () => {
      await this.query('DELETE FROM set_members WHERE set_name = ? AND member = ?', set, member);
    });
  }

  async members(set: string): Promise<string[]> {
    return (await this.query('SELECT member FROM set_members WHERE set_name = ?', set)).map((r) => String(r['member']));
  }

  async setNames(prefix: string): Promise<string[]> {
    const rows = await this.query('SELECT DISTINCT set_name FROM set_members WHERE substr(set_name, 1, ?) = ?', prefix.length, prefix);
    return rows.map((r) => String(r['set_name']));
  }

  /**
   * Finished jobs older than the retention go with their /jobs rows, oldest first, at most `limit`
   * per call; expired counters, claims and leases go too. Active jobs are never touched, however old.
   */
  prune(limit: number): Promise<number> {
    return this.mutex.run(async () => {
      const now = this.now();
      const rows = await this.query(
        'SELECT id FROM finished_jobs WHERE ended <= ? AND id NOT IN (SELECT id FROM active_jobs) ORDER BY ended LIMIT ?',
        now - this.retentionMs,
        limit,
      );
      const ids = rows.map((r) => String(r['id']));
      if (ids.length > 0) {
        // The record first, the row that finds it last: a crash part-way is finished next time.
        await this.records.deleteMany(ids);
        await this.query('DELETE FROM user_jobs WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(ids));
        await this.query('DELETE FROM finished_jobs WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify(ids));
      }
      await this.query('DELETE FROM counters WHERE rowid IN (SELECT rowid FROM counters WHERE expires <= ? LIMIT ?)', now, limit);
      await this.query('DELETE FROM claims WHERE rowid IN (SELECT rowid FROM claims WHERE expires <= ? LIMIT ?)', now, limit);
      for (const [name, lease] of this.leases) if (lease.expires <= now) this.leases.delete(name);
      return ids.length;
    });
  }

  async ping(): Promise<boolean> {
    try {
      await this.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.mutex.run(async () => {
      await this.ready.catch(() => undefined);
      await this.claimsDb?.disconnect();
      await this.records.disconnect();
    });
  }
}
