/**
 * The embedded store: one SQLite file under DATA_DIR, for a single bot instance. A little long
 * (about 320 lines): one JobStore method each with its SQL (the grouped write's statements are
 * built in store-sqlite-writes.ts). Records go through keyv; the indexes
 * and counters are small tables in the same file, changed under an in-process write lane (one
 * process owns the file, so that is enough for atomicity); saves of records are grouped, and
 * those on the way to a delivery go first (store-sqlite-writes.ts).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import type { JobRecord, Platform } from './job.js';
import { isTerminal } from './job.js';
import type { LineStore } from './fair-queue.js';
import { MemoryLine } from './line-memory.js';
import { serializeRecord } from './record-format.js';
import { recordWriteStatements, RecordWrites, WriteLane } from './store-sqlite-writes.js';
import { COUNTER_TTL_MS, DEFAULT_JOB_RETENTION_MS, type JobStore, type JobStoreOptions, type SaveOptions } from './store.js';

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
  private readonly mutex = new WriteLane();
  private readonly writes = new RecordWrites(this.mutex, (records) => this.writeRecords(records));
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
   * of one writes only its record. Only writeRecords removes an active_jobs row, and it drops the
   * id from here once that is committed.
   */
  private readonly indexed = new Set<string>();

  constructor(dataDir: string, private readonly now: () => number = Date.now, options: JobStoreOptions = {}) {
    this.retentionMs = options.retentionMs ?? DEFAULT_JOB_RETENTION_MS;
    const dir = resolve(dataDir);
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, 'seedance-bot.sqlite');
    const sqlite = new KeyvSqlite({ uri: `sqlite://${this.file}`, busyTimeout: 10_000 });
    this.sqlite = sqlite;
    // throwOnErrors: without it keyv answers a failed read with "no such record" and a failed
    // delete with `false`, and the job would look missing, or be counted as pruned.
    this.records = new Keyv<JobRecord>({ store: sqlite, namespace: 'job', throwOnErrors: true, serialize: serializeRecord });
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
      await this.writeRecords([record]);
      return true;
    });
  }

  put(record: JobRecord, options?: SaveOptions): Promise<void> {
    return this.writes.save(record, options?.later === true);
  }

  /** Records with their index rows, in one transaction (so a crash leaves all or none): see recordWriteStatements. */
  private async writeRecords(records: readonly JobRecord[]): Promise<void> {
    await this.ready;
    const statements = await recordWriteStatements(records, {
      indexed: this.indexed,
      // What keyv's set() writes: its serializer.
      serialize: this.records.serialize ?? JSON.stringify,
      now: this.now(),
    });
    await this.transaction(statements);
    for (const r of records) {
      if (isTerminal(r.state)) this.indexed.delete(r.id);
      else this.indexed.add(r.id);
    }
  }

  /** Runs the statements as one transaction (one statement needs none); rolled back on a failure. */
  private async transaction(statements: readonly [string, unknown[]][]): Promise<void> {
    if (statements.length === 1) {
      await this.query(statements[0]![0], ...statements[0]![1]);
      return;
    }
    await this.query('BEGIN IMMEDIATE');
    try {
      for (const [sql, params] of statements) await this.query(sql, ...params);
      await this.query('COMMIT');
    } catch (error) {
      await this.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async activeIds(): Promise<string[]> {
    return (await this.query('SELECT id FROM active_jobs')).map((r) => String(r['id']));
  }

  async activeWithoutRecord(): Promise<string[]> {
    const rows = await this.query("SELECT id FROM active_jobs WHERE NOT EXISTS (SELECT 1 FROM keyv WHERE keyv.key = 'job:' || active_jobs.id)");
    return rows.map((r) => String(r['id']));
  }

  forgetActive(id: string): Promise<boolean> {
    return this.mutex.run(async () => {
      const dropped = await this.query("DELETE FROM active_jobs WHERE id = ? AND NOT EXISTS (SELECT 1 FROM keyv WHERE key = 'job:' || ?) RETURNING id", id, id);
      if (dropped.length === 0) return false;
      this.indexed.delete(id);
      await this.query('DELETE FROM user_jobs WHERE id = ?', id);
      return true;
    });
  }

  async recentIdsOf(platform: Platform, userId: string, limit: number): Promise<string[]> {
    const rows = await this.query(
      'SELECT id FROM user_jobs WHERE user_key = ? ORDER BY created DESC LIMIT ?',
      `${platform}:${userId}`,
      limit,
    );
    return rows.map((r) => String(r['id']));
  }

  async recentIds(limit: number): Promise<string[]> {
    const rows = await this.query('SELECT id FROM user_jobs GROUP BY id ORDER BY MAX(created) DESC LIMIT ?', limit);
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
    // A renewal moves the expiry in place: a new object per job per renewal would outlive a few
    // young collections and be promoted, only to be dropped at the next renewal.
    if (held?.owner === owner) held.expires = now + ttlMs;
    else this.leases.set(name, { owner, expires: now + ttlMs });
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
