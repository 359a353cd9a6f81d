/**
 * The shared store: records and coordination in Redis, so several bot instances can share
 * jobs. Every check-and-set is one Lua script, so it is atomic across instances.
 */
import Keyv from 'keyv';
import KeyvRedis, { createClient } from '@keyv/redis';
import type { JobRecord, Platform } from './job.js';
import { isTerminal } from './job.js';
import type { JobStore } from './store.js';

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
return tostring(value)`;

const JOIN_CAPPED = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
return 1`;

/** How many job ids are kept per user for /jobs. */
const RECENT_PER_USER = 50;

export class RedisJobStore implements JobStore {
  readonly shared = true;
  private readonly client: ReturnType<typeof createClient>;
  private readonly records: Keyv<JobRecord>;
  private readonly connected: Promise<unknown>;

  constructor(url: string, private readonly prefix = 'seedance') {
    this.client = createClient({ url });
    this.client.on('error', () => undefined); // surfaced through the rejected calls instead
    this.connected = this.client.connect();
    const adapter = new KeyvRedis(this.client, { throwOnErrors: true, throwOnConnectError: true });
    this.records = new Keyv<JobRecord>({ store: adapter, namespace: `${prefix}:job`, throwOnErrors: true });
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
    // The id is claimed first, so two instances can never create the same job.
    const claimed = await this.client.set(this.key('id', record.id), '1', { NX: true });
    if (claimed === null) return false;
    await this.put(record);
    return true;
  }

  // Index first for active records, record first for finished ones (see store-sqlite.ts).
  async put(record: JobRecord): Promise<void> {
    await this.connected;
    const userKey = this.key('user', record.requester.platform, record.requester.userId);
    if (isTerminal(record.state)) {
      await this.records.set(record.id, record);
      await this.client.sRem(this.key('active'), record.id);
    } else {
      await this.client.sAdd(this.key('active'), record.id);
      await this.records.set(record.id, record);
    }
    await this.client
      .multi()
      .zAdd(userKey, { score: record.createdAt, value: record.id })
      .zRemRangeByRank(userKey, 0, -(RECENT_PER_USER + 1))
      .exec();
  }

  async activeIds(): Promise<string[]> {
    await this.connected;
    return this.client.sMembers(this.key('active'));
  }

  async recentIdsOf(platform: Platform, userId: string, limit: number): Promise<string[]> {
    await this.connected;
    return this.client.zRange(this.key('user', platform, userId), 0, limit - 1, { REV: true });
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

  async reserve(counter: string, amount: number, limit: number, ttlMs: number): Promise<{ granted: boolean; used: number }> {
    const [granted, used] = (await this.eval(RESERVE, [this.key('counter', counter)], [amount, limit, Math.round(ttlMs)])) as [
      number,
      string,
    ];
    return { granted: granted === 1, used: Number(used) };
  }

  async adjust(counter: string, delta: number): Promise<number> {
    return Number(await this.eval(ADJUST, [this.key('counter', counter)], [delta]));
  }

  async counterValue(counter: string): Promise<number> {
    await this.connected;
    return Number((await this.client.get(this.key('counter', counter))) ?? 0);
  }

  async joinCapped(set: string, member: string, limit: number): Promise<boolean> {
    return (await this.eval(JOIN_CAPPED, [this.key('set', set)], [member, limit])) === 1;
  }

  async leave(set: string, member: string): Promise<void> {
    await this.connected;
    await this.client.sRem(this.key('set', set), member);
  }

  async members(set: string): Promise<string[]> {
    await this.connected;
    return this.client.sMembers(this.key('set', set));
  }

  async ping(): Promise<boolean> {
    try {
      await this.connected;
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.connected.catch(() => undefined);
    if (this.client.isOpen) await this.client.close();
  }
}
