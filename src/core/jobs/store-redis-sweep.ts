/**
 * Keys written before retention existed have no expiry, and saving a finished job again is the
 * only thing that would give it one. So once per start, the prune walks this store's prefix with
 * SCAN, a batch at a time, and gives each key without an expiry the one it would have had: a
 * finished job's record and id key (the retention after it ended), counters, slot sets and /jobs
 * lists with no active job. An active job's keys, and keys of other parts, are left alone. A
 * finished sweep leaves a mark for the retention, so other instances and restarts skip it.
 */
import type { createClient } from '@keyv/redis';
import type { JobRecord } from './job.js';
import { isTerminal } from './job.js';
import { COUNTER_TTL_MS } from './store.js';

type Client = ReturnType<typeof createClient>;

// A /jobs list expires only when none of its ids is an active job (as INDEX_FOR_USER decides).
const EXPIRE_IDLE_LIST = `
if redis.call('PTTL', KEYS[1]) ~= -1 then return 0 end
local ids = redis.call('ZRANGE', KEYS[1], 0, -1)
if #ids > 0 then
  for _, active in ipairs(redis.call('SMISMEMBER', KEYS[2], unpack(ids))) do
    if active == 1 then return 0 end
  end
end
return redis.call('PEXPIRE', KEYS[1], ARGV[1])`;

export interface SweepTarget {
  client: Client;
  key(...parts: string[]): string;
  retentionMs: number;
  record(id: string): Promise<JobRecord | undefined>;
}

export class LegacyExpirySweep {
  private cursor = '0';
  private finished = false;

  constructor(private readonly target: SweepTarget) {}

  get done(): boolean {
    return this.finished;
  }

  /** Looks at about `count` keys; true while there are more to look at. */
  async step(count: number): Promise<boolean> {
    if (this.finished) return false;
    const { client, key } = this.target;
    const mark = key('retention', 'swept');
    if (this.cursor === '0' && (await client.exists(mark)) === 1) {
      this.finished = true;
      return false;
    }
    const head = key('');
    const answer = await client.scan(this.cursor, { MATCH: `${head.replace(/[\\*?[\]^]/g, (c) => `\\${c}`)}*`, COUNT: count });
    this.cursor = String(answer.cursor);
    const keys = answer.keys;
    if (keys.length > 0) {
      const ttls = await Promise.all(keys.map((k) => client.pTTL(k)));
      for (const [i, k] of keys.entries()) if (ttls[i] === -1) await this.expire(k.slice(head.length), k);
    }
    if (this.cursor === '0') {
      this.finished = true;
      await client.set(mark, '1', { PX: this.target.retentionMs });
    }
    return !this.finished;
  }

  private async expire(name: string, fullKey: string): Promise<void> {
    const { client, key, retentionMs } = this.target;
    const kind = name.slice(0, name.indexOf(':') + 1);
    if (kind === 'counter:') await client.pExpire(fullKey, COUNTER_TTL_MS);
    else if (kind === 'set:') await client.pExpire(fullKey, retentionMs);
    else if (kind === 'user:') await client.eval(EXPIRE_IDLE_LIST, { keys: [fullKey, key('active')], arguments: [String(retentionMs)] });
    else if (kind === 'job:' || kind === 'id:') {
      const id = name.slice(name.lastIndexOf(':') + 1);
      const record = await this.target.record(id);
      if (record && !isTerminal(record.state)) return;
      const now = Date.now();
      // A finished job: the retention after it ended. An id claim whose save never happened: a retention from now.
      const keepMs = record ? Math.min(retentionMs, Math.max(1000, (record.endedAt ?? record.updatedAt) + retentionMs - now)) : retentionMs;
      await client.pExpire(fullKey, keepMs);
    }
  }
}
