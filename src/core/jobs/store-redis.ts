// A long file (~300 lines): the Redis job store keeps every key layout and its Lua scripts together so
// they change in one place; the retention sweep already lives in store-redis-sweep.ts.
/**
 * The shared store: records and coordination in Redis, so several bot instances can share
 * jobs. Every check-and-set is one Lua script, so it is atomic across instances.
 *
 * Retention: no key lives for ever. A finished job's record and id key expire JOB_RETENTION_DAYS
 * after it ended (set when it is saved finished, so nothing has to scan); leases and counters
 * always carry an expiry; a slot set expires that long after it was last joined, a person's /jobs
 * list that long after their last job ended. Only an active job's record and id key, the /jobs
 * list of a person with an active job, and the index of active jobs have none.
 *
 * Every call fails within STORE_TIMEOUT_MS with `store.unreachable` when Redis does not answer
 * (store-unreachable.ts), rather than waiting for it.
 */
import Keyv from 'keyv';
import KeyvRedis, { createClient } from '@keyv/redis';
import type { JobRecord, Platform } from './job.js';
import { isTerminal } from './job.js';
import type { LineStore } from './fair-queue.js';
import { RedisLine } from './line-redis.js';
import { serializeRecord } from './record-format.js';
import { LegacyExpirySweep } from './store-redis-sweep.js';
import { COUNTER_TTL_MS, DEFAULT_JOB_RETENTION_MS, type JobStore, type JobStoreOptions } from './store.js';
import { bounded, boundEveryCall, closeClient, redisClientOptions, STORE_TIMEOUT_MS } from './store-unreachable.js';

const RENEW_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0`;

const RENEW_LEASES = `
local held = {}
for i, key in ipairs(KEYS) do
  local holder = redis.call('GET', key)
  if holder == false or holder == ARGV[1] then
    redis.call('SET', key, ARGV[1], 'PX', ARGV[2])
    held[i] = 1
  else
    held[i] = 0
  end
end
return held`;

const RELEASE_LEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const RESERVE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
if used + amount > tonumber(ARGV[2]) then return {0, tostring(used)} end
local now = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {1, tostring(now)}`;

const ADJUST = `
local value = tonumber(redis.call('INCRBYFLOAT', KEYS[1], ARGV[1]))
if value < 0 then redis.call('SET', KEYS[1], '0', 'KEEPTTL') value = 0 end
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return tostring(value)`;

const JOIN_CAPPED = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

// A person's /jobs list: newest ids, capped; it expires (ARGV[5] ms) only while none of its jobs
// is active, so a job waiting for weeks never drops out of it.
const INDEX_FOR_USER = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
if ARGV[4] == '0' then return redis.call('PERSIST', KEYS[1]) end
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
for _, active in ipairs(redis.call('SMISMEMBER', KEYS[2], unpack(ids))) do
  if active == 1 then return redis.call('PERSIST', KEYS[1]) end
end
return redis.call('PEXPIRE', KEYS[1], ARGV[5])`;

// Only while the record (KEYS[2]) does not exist; the id key (KEYS[3]) then expires like a finished job's.
const FORGET_ACTIVE = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local removed = redis.call('SREM', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[3]) == -1 then redis.call('PEXPIRE', KEYS[3], ARGV[2]) end
return removed`;

/** How many job ids are kept per user for /jobs. */
const RECENT_PER_USER = 50;

export class RedisJobStore implements JobStore {
  readonly shared = true;
  private readonly client: ReturnType<typeof createClient>;
  private readonly records: Keyv<JobRecord>;
  private readonly adapter: KeyvRedis<JobRecord>;
  private readonly connecting: Promise<unknown>;
  private readonly retentionMs: number;
  private sweep: LegacyExpirySweep | undefined;
  readonly line: LineStore = new RedisLine((script, keys, args) => this.eval(script, keys, args), (...parts) => this.key(...parts), () => this.retentionMs);

  constructor(url: string, private readonly prefix = 'seedance', options: JobStoreOptions = {}) {
    this.retentionMs = Math.max(1000, Math.round(options.retentionMs ?? DEFAULT_JOB_RETENTION_MS));
    this.client = createClient(redisClientOptions(url));
    this.client.on('error', () => undefined); // surfaced through the rejected calls instead
    this.connecting = this.client.connect();
    this.connecting.catch(() => undefined);
    this.adapter = new KeyvRedis<JobRecord>(this.client, { throwOnErrors: true, throwOnConnectError: true });
    this.records = new Keyv<JobRecord>({ store: this.adapter, namespace: `${prefix}:job`, throwOnErrors: true, serialize: serializeRecord });
    // The SCANs (slot repair, retention sweep, the operator's listing) may take longer in all; each of their commands is bounded.
    boundEveryCall(this, STORE_TIMEOUT_MS, ['ping', 'close', 'prune', 'setNames', 'recentIds']);
  }

  /** The first connection, waited for at most STORE_TIMEOUT_MS (node-redis keeps retrying it). */
  private get connected(): Promise<unknown> {
    return this.client.isReady ? Promise.resolve() : bounded(this.connecting, STORE_TIMEOUT_MS, 'connect');
  }

  private key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  private async eval(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    await this.connected;
    return this.client.eval(script, { keys, arguments: args.map(String) });
  }

  async get(id: string): Promise<JobRecord | undefined> {
    await this.connected;
    return this.records.get(id);
  }

  async create(record: JobRecord): Promise<boolean> {
    await this.connected;
    // The id is claimed first, so two instances can never create the same job. The claim expires
    // unless the save below makes it the job's (a crash in between leaves nothing for ever).
    const claimed = await this.client.set(this.key('id', record.id), '1', { NX: true, PX: this.retentionMs });
    if (claimed === null) return false;
    await this.put(record);
    return true;
  }

  // Index first for active records, record first for finished ones (see store-sqlite.ts).
  async put(record: JobRecord): Promise<void> {
    await this.connected;
    const userKey = this.key('user', record.requester.platform, record.requester.userId);
    const finished = isTerminal(record.state);
    if (finished) {
      // Kept for the retention after it ended: a later save (a stale index dropped) does not extend it.
      const now = Date.now();
      const keepMs = Math.min(this.retentionMs, Math.max(1000, (record.endedAt ?? now) + this.retentionMs - now));
      await this.records.set(record.id, record, keepMs);
      await this.client.multi().sRem(this.key('active'), record.id).pExpire(this.key('id', record.id), keepMs).exec();
    } else {
      await this.client.multi().sAdd(this.key('active'), record.id).persist(this.key('id', record.id)).exec();
      await this.records.set(record.id, record);
    }
    await this.eval(INDEX_FOR_USER, [userKey, this.key('active')], [record.createdAt, record.id, RECENT_PER_USER, finished ? 1 : 0, this.retentionMs]);
  }

  async activeIds(): Promise<string[]> {
    await this.connected;
    return this.client.sMembers(this.key('active'));
  }

  async activeWithoutRecord(): Promise<string[]> {
    const ids = await this.activeIds();
    const missing: string[] = [];
    for (let i = 0; i < ids.length; i += 1000) {
      const chunk = ids.slice(i, i + 1000);
      const kept = await this.records.hasMany(chunk);
      missing.push(...chunk.filter((_, k) => !kept[k]));
    }
    return missing;
  }

  async forgetActive(id: string): Promise<boolean> {
    // The record's key as keyv names it (its namespace, then the adapter's own prefix).
    const recordKey = this.adapter.createKeyPrefix(`${this.prefix}:job:${id}`, this.adapter.namespace);
    return (await this.eval(FORGET_ACTIVE, [this.key('active'), recordKey, this.key('id', id)], [id, this.retentionMs])) === 1;
  }

  // Ids whose record has expired are dropped from the list here, when someone reads it.
  async recentIdsOf(platform: Platform, userId: string, limit: number): Promise<string[]> {
    await this.connected;
    const userKey = this.key('user', platform, userId);
    const ids = await this.client.zRange(userKey, 0, RECENT_PER_USER - 1, { REV: true });
    if (ids.length === 0) return [];
    const kept = await this.records.hasMany(ids);
    const gone = ids.filter((_, i) => !kept[i]);
    if (gone.length > 0) await this.client.zRem(userKey, gone);
    return ids.filter((_, i) => kept[i]).slice(0, limit);
  }

  // A SCAN of the per-user lists (each capped at RECENT_PER_USER): only the operator's CLI calls it.
  async recentIds(limit: number): Promise<string[]> {
    await this.connected;
    const newest: { id: string; created: number }[] = [];
    for await (const keys of this.client.scanIterator({ MATCH: `${escapeGlob(this.key('user', ''))}*`, TYPE: 'zset', COUNT: 1000 })) {
      for (const key of keys) {
        for (const { value, score } of await this.client.zRangeWithScores(key, 0, limit - 1, { REV: true })) newest.push({ id: value, created: score });
      }
    }
    const ids = [...new Set(newest.sort((a, b) => b.created - a.created).map((e) => e.id))];
    if (ids.length === 0) return [];
    const kept = await this.records.hasMany(ids);
    return ids.filter((_, i) => kept[i]).slice(0, limit);
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return (await this.eval(RENEW_LEASE, [this.key('lease', name)], [owner, Math.max(1, Math.round(ttlMs))])) === 1;
  }

  async acquireLeases(names: readonly string[], owner: string, ttlMs: number): Promise<boolean[]> {
    const held: boolean[] = [];
    // Chunks keep one script from blocking Redis for long.
    for (let i = 0; i < names.length; i += 1000) {
      const keys = names.slice(i, i + 1000).map((name) => this.key('lease', name));
      const answer = (await this.eval(RENEW_LEASES, keys, [owner, Math.max(1, Math.round(ttlMs))])) as number[];
      held.push(...answer.map((n) => n === 1));
    }
    return held;
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.eval(RELEASE_LEASE, [this.key('lease', name)], [owner]);
  }

  async claim(name: string, ttlMs: number): Promise<boolean> {
    await this.connected;
    return (await this.client.set(this.key('claim', name), '1', { NX: true, PX: Math.max(1, Math.round(ttlMs)) })) !== null;
  }

  async reserve(counter: string, amount: number, limit: number, ttlMs: number): Promise<{ granted: boolean; used: number }> {
    const [granted, used] = (await this.eval(RESERVE, [this.key('counter', counter)], [amount, limit, Math.round(ttlMs)])) as [
      number,
      string,
    ];
    return { granted: granted === 1, used: Number(used) };
  }

  async adjust(counter: string, delta: number, ttlMs = COUNTER_TTL_MS): Promise<number> {
    return Number(await this.eval(ADJUST, [this.key('counter', counter)], [delta, Math.max(1, Math.round(ttlMs))]));
  }

  async counterValue(counter: string): Promise<number> {
    await this.connected;
    return Number((await this.client.get(this.key('counter', counter))) ?? 0);
  }

  async joinCapped(set: string, member: string, limit: number): Promise<boolean> {
    return (await this.eval(JOIN_CAPPED, [this.key('set', set)], [member, limit, this.retentionMs])) === 1;
  }

  async leave(set: string, member: string): Promise<void> {
    await this.connected;
    await this.client.sRem(this.key('set', set), member);
  }

  async members(set: string): Promise<string[]> {
    await this.connected;
    return this.client.sMembers(this.key('set', set));
  }

  // A SCAN: only the slot repair calls it, every few minutes.
  async setNames(prefix: string): Promise<string[]> {
    await this.connected;
    const head = this.key('set', '');
    const names = new Set<string>();
    for await (const keys of this.client.scanIterator({ MATCH: `${escapeGlob(head + prefix)}*`, TYPE: 'set', COUNT: 1000 })) {
      for (const key of keys) names.add(key.slice(head.length));
    }
    return [...names];
  }

  /**
   * Every key this store writes expires by itself (see the top of this file); what is left is the
   * once-per-start sweep of keys written before that (store-redis-sweep.ts): `limit` while it has
   * more to look at, then 0.
   */
  async prune(limit: number): Promise<number> {
    await this.connected;
    this.sweep ??= new LegacyExpirySweep({
      client: this.client,
      key: (...parts) => this.key(...parts),
      retentionMs: this.retentionMs,
      record: (id) => this.records.get(id),
    });
    return (await this.sweep.step(limit)) ? limit : 0;
  }

  async ping(): Promise<boolean> {
    try {
      return (await bounded(this.connecting.then(() => this.client.ping()), STORE_TIMEOUT_MS, 'ping')) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await closeClient(this.client, this.connecting, STORE_TIMEOUT_MS);
  }
}

/** `text` matched literally in a SCAN pattern. */
const escapeGlob = (text: string) => text.replace(/[\\*?[\]^]/g, (c) => `\\${c}`);
