/**
 * The waiting line (fair-queue.ts) in Redis, shared by every instance. Keys under the store's
 * prefix: `line` (a sorted set: score = round, member = zero-padded arrival number + id, so ties
 * go by arrival), `line:entry` (id -> round|member|person), `line:user:<person>` (that person's
 * rounds) and `line:clock` (served round, arrival counter, version). Each change is one script.
 * The line's own keys vanish when it is empty; the clock expires a retention after the last change.
 */
import type { LineStore } from './fair-queue.js';

const ADD = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
local round = tonumber(redis.call('HGET', KEYS[3], 'served') or '0') + 1
local last = redis.call('ZREVRANGE', KEYS[4], 0, 0, 'WITHSCORES')
if #last > 0 then round = math.max(round, tonumber(last[2]) + 1) end
local seq = redis.call('HINCRBY', KEYS[3], 'seq', 1)
local member = string.format('%016d', seq) .. ':' .. ARGV[1]
redis.call('ZADD', KEYS[1], round, member)
redis.call('ZADD', KEYS[4], round, ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], round .. '|' .. member .. '|' .. ARGV[2])
redis.call('HINCRBY', KEYS[3], 'version', 1)
redis.call('PEXPIRE', KEYS[3], ARGV[3])
return 1`;

// The person's key is built here from the entry (ARGV[3] is its prefix): fine on one Redis, not on a cluster.
const REMOVE = `
local entry = redis.call('HGET', KEYS[2], ARGV[1])
if not entry then return 0 end
local round, member, user = string.match(entry, '^([^|]*)|([^|]*)|(.*)$')
redis.call('ZREM', KEYS[1], member)
redis.call('ZREM', ARGV[3] .. user, ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[2] == '1' then
  local served = tonumber(redis.call('HGET', KEYS[3], 'served') or '0')
  if tonumber(round) > served then redis.call('HSET', KEYS[3], 'served', round) end
end
redis.call('HINCRBY', KEYS[3], 'version', 1)
redis.call('PEXPIRE', KEYS[3], ARGV[4])
return 1`;

type Eval = (script: string, keys: string[], args: (string | number)[]) => Promise<unknown>;

export class RedisLine implements LineStore {
  constructor(
    private readonly run: Eval,
    private readonly key: (...parts: string[]) => string,
    /** How long an idle line's clock is kept (no key lives for ever): the store's retention. */
    private readonly clockTtlMs: () => number,
  ) {}

  async add(id: string, user: string): Promise<boolean> {
    return (await this.run(ADD, [this.key('line'), this.key('line', 'entry'), this.key('line', 'clock'), this.key('line', 'user', user)], [id, user, this.clockTtlMs()])) === 1;
  }

  async remove(id: string, served: boolean): Promise<boolean> {
    const keys = [this.key('line'), this.key('line', 'entry'), this.key('line', 'clock')];
    return (await this.run(REMOVE, keys, [id, served ? 1 : 0, this.key('line', 'user', ''), this.clockTtlMs()])) === 1;
  }

  async order(limit?: number): Promise<string[]> {
    const members = (await this.run(`return redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]))`, [this.key('line')], [limit === undefined ? -1 : limit - 1])) as string[];
    return members.map((member) => member.slice(member.indexOf(':') + 1));
  }

  async version(): Promise<number> {
    return Number((await this.run(`return redis.call('HGET', KEYS[1], 'version') or '0'`, [this.key('line', 'clock')], [])) ?? 0);
  }
}
