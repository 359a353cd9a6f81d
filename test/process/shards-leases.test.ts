/**
 * The shard leases on their own (src/discord/shards/leases.ts), three "replicas" in this process on
 * the real Redis (this test's own prefix, deleted after), each with a runner that records which
 * shards it runs instead of connecting them: a replica that joins later takes its share from the
 * ones already running, no shard ever runs in two replicas at once, and a replica that stops
 * renewing (as a killed one does) has its shards taken by the others once its leases expire.
 * And the real adapter on the fake Discord: a replica that begins to shut down gives its shards
 * back at once, before it closes, so the others need not wait for the leases to expire.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { RedisJobStore } from '../../src/core/jobs/store-redis.js';
import { ShardLeases, shareOf, type ShardRunner } from '../../src/discord/shards/leases.js';
import { createDiscordAdapter } from '../../src/discord/index.js';
import { startFakeDiscord } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';

const SETTINGS = { ttlMs: 1_500, renewMs: 200 };
const COUNT = 4;
const prefix = `test-shard-leases-${randomUUID()}`;
const stores: RedisJobStore[] = [];

/** Which replica runs each shard now, and every time one was started while another ran it. */
const runningBy = new Map<number, string>();
const overlaps: string[] = [];
const runner = (name: string): ShardRunner => ({
  start(id) {
    const other = runningBy.get(id);
    if (other) overlaps.push(`shard ${id}: started by ${name} while ${other} ran it`);
    runningBy.set(id, name);
  },
  async stop(id) {
    if (runningBy.get(id) === name) runningBy.delete(id);
  },
});

function replica(name: string): ShardLeases {
  const store = new RedisJobStore(REDIS_URL, prefix);
  stores.push(store);
  return new ShardLeases(store, { count: COUNT, owner: name, settings: SETTINGS, runner: runner(name), log: silentLogger });
}

const spread = (replicas: ShardLeases[]) => replicas.map((r) => r.held.size).sort().join();

afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await dropRedisPrefix(prefix);
});

describe('shard leases', () => {
  it('divide the count as evenly as can be', () => {
    expect([0, 1, 2].map((rank) => shareOf(4, 3, rank))).toEqual([2, 1, 1]);
    expect([0, 1].map((rank) => shareOf(4, 2, rank))).toEqual([2, 2]);
    expect([0, 1, 2, 3, 4].map((rank) => shareOf(4, 5, rank))).toEqual([1, 1, 1, 1, 0]);
  });

  it('a later replica takes its share without a shard running twice; a silent one is taken over', async () => {
    const a = replica('replica-a');
    const b = replica('replica-b');
    await Promise.all([a.begin(), b.begin()]);
    await eventually(() => spread([a, b]) === '2,2' && runningBy.size === COUNT, 10_000, `2 and 2: ${spread([a, b])}`);

    const c = replica('replica-c');
    await c.begin();
    await eventually(() => spread([a, b, c]) === '1,1,2' && runningBy.size === COUNT, 10_000, `2, 1, 1: ${spread([a, b, c])}`);
    expect(c.held.size).toBeGreaterThan(0);
    expect(overlaps).toEqual([]);

    // b goes silent (its timer stopped, its leases left to expire, as when its process is killed).
    const silenced = [...b.held];
    (b as unknown as { stopped: boolean }).stopped = true;
    clearInterval((b as unknown as { timer: NodeJS.Timeout }).timer);
    for (const id of silenced) runningBy.delete(id); // its connections died with it
    const at = Date.now();
    await eventually(() => spread([a, c]) === '2,2' && runningBy.size === COUNT, 10_000, `a and c take b's shards: ${spread([a, c])}`);
    expect(Date.now() - at).toBeLessThan(SETTINGS.ttlMs + 5_000);
    expect(overlaps).toEqual([]);

    await a.end();
    await c.end();
    expect(runningBy.size).toBe(0);
  }, 30_000);
});

describe('a replica shutting down', () => {
  it('gives its shards back when it stops accepting, before it closes', async () => {
    const discord = await startFakeDiscord({ guilds: 2, shards: 2, maxConcurrency: 2 });
    const store = new RedisJobStore(REDIS_URL, prefix);
    stores.push(store);
    const adapter = createDiscordAdapter(
      { token: discord.token, applicationId: discord.applicationId, apiUrl: discord.url, messageContentIntent: false },
      { log: silentLogger, shards: { ttlMs: 60_000, renewMs: 200, identifyWindowMs: 500, identifyPollMs: 50 } },
    );
    try {
      await adapter.start({ service: {} as never, log: silentLogger, leases: store });
      expect(discord.gateway.connectedShards()).toEqual([0, 1]);
      adapter.stopAccepting();
      // Well before the 60 s leases would expire, and before close().
      await eventually(() => discord.gateway.connectedShards().length === 0, 10_000, 'the shards given back');
      const other = new ShardLeases(store, { count: 2, owner: 'next-replica', settings: SETTINGS, runner: runner('next-replica'), log: silentLogger });
      await other.begin();
      expect([...other.held].sort()).toEqual([0, 1]);
      await other.end();
    } finally {
      await adapter.close();
      await discord.close();
    }
  }, 30_000);
});
