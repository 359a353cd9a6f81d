/**
 * Claims (src/core/claims.ts and JobStore.claim): set-if-absent with an expiry, in the real
 * embedded SQLite store (across a restart of the one instance) and the real Redis (across
 * instances racing for the same name), under names that say what they claim.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_TTL_MS, claimName, memoryClaims, storeClaims } from '../../src/core/claims.js';
import { RedisJobStore } from '../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../src/core/jobs/store-sqlite.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sqliteDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-claims-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

describe('claims in the embedded SQLite store', () => {
  it('a claim holds across a restart of the one instance, and only until it expires', async () => {
    const dir = sqliteDir();
    let now = 1_000_000;
    const first = new SqliteJobStore(dir, () => now);
    const claims = storeClaims(first);
    expect(await claims.claimOnce('slack:event', 'Ev1')).toBe(true);
    expect(await claims.claimOnce('slack:event', 'Ev1')).toBe(false);
    // Another kind with the same id is another thing.
    expect(await claims.claimOnce('slack:command', 'Ev1')).toBe(true);
    await first.close();

    // The restart: a Slack retry of Ev1 arriving now is still claimed.
    const second = new SqliteJobStore(dir, () => now);
    cleanups.push(() => second.close());
    const again = storeClaims(second);
    expect(await again.claimOnce('slack:event', 'Ev1')).toBe(false);
    now += CLAIM_TTL_MS - 1;
    expect(await again.claimOnce('slack:event', 'Ev1')).toBe(false);
    now += 1;
    expect(await again.claimOnce('slack:event', 'Ev1')).toBe(true);
  });

  it('of many claims of one name at once, exactly one wins, also from a second handle on the file', async () => {
    const dir = sqliteDir();
    const store = new SqliteJobStore(dir);
    const other = new SqliteJobStore(dir);
    cleanups.push(() => store.close(), () => other.close());
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? other : store).claim('discord:interaction:1', 60_000)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

describe('claims in Redis', () => {
  it('two instances racing for one name: exactly one wins, and the key names it and expires', async () => {
    const prefix = `test-claims-${randomUUID()}`;
    cleanups.push(() => dropRedisPrefix(prefix));
    const a = new RedisJobStore(REDIS_URL, prefix);
    const b = new RedisJobStore(REDIS_URL, prefix);
    cleanups.push(() => a.close(), () => b.close());
    const claims = [storeClaims(a), storeClaims(b)];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => claims[i % 2]!.claimOnce('slack:event', 'Ev42')));
    expect(results.filter(Boolean)).toHaveLength(1);

    const client = createClient({ url: REDIS_URL });
    await client.connect();
    cleanups.push(() => client.close());
    const ttl = await client.pTTL(`${prefix}:claim:slack:event:Ev42`);
    expect(ttl).toBeGreaterThan(CLAIM_TTL_MS - 60_000);
    expect(ttl).toBeLessThanOrEqual(CLAIM_TTL_MS);

    // Once it has expired it can be claimed again (a short ttl here).
    const short = storeClaims(a, 50);
    expect(await short.claimOnce('slack:command', 'T1')).toBe(true);
    expect(await short.claimOnce('slack:command', 'T1')).toBe(false);
    await new Promise((r) => setTimeout(r, 120));
    expect(await short.claimOnce('slack:command', 'T1')).toBe(true);
  });
});

describe('claim names', () => {
  it('say what is claimed; ids from outside are bounded; an empty id is refused', () => {
    expect(claimName('discord:message', '1234')).toBe('discord:message:1234');
    const long = claimName('slack:view', 'x'.repeat(5_000));
    expect(long).toMatch(/^slack:view:sha256-[0-9a-f]{64}$/);
    expect(claimName('slack:view', 'y'.repeat(5_000))).not.toBe(long);
    expect(() => claimName('slack:action', '')).toThrow(/needs an id/);
  });

  it('in memory (an adapter started without a store): once per process, until it expires, bounded', async () => {
    let now = 0;
    const claims = memoryClaims(1_000, () => now);
    expect(await claims.claimOnce('discord:interaction', 'a')).toBe(true);
    expect(await claims.claimOnce('discord:interaction', 'a')).toBe(false);
    now = 1_000;
    expect(await claims.claimOnce('discord:interaction', 'a')).toBe(true);
  });
});
