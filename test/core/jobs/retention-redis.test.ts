/**
 * Retention on the shared store: the real Redis on 127.0.0.1:6379 under a key prefix of the test's
 * own (deleted after). A job runs through the real engine and service against the fake Oxen, then
 * every key under the prefix is listed with SCAN and its PTTL read: none may be left without an
 * expiry, except an active job's own. Only the platform is a recording stand-in.
 */
import { randomUUID } from 'node:crypto';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/core/jobs/job.js';
import { RedisJobStore } from '../../../src/core/jobs/store-redis.js';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { eventually, startCore } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';
import { DEFAULT_OPTIONS } from '../../../src/core/request.js';
import { jobRecord } from '../../helpers/job-record.js';
import { dropRedisPrefix, REDIS_URL } from '../../helpers/redis.js';

const DAY = 86_400_000;

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function openStore(retentionMs: number) {
  const prefix = `test-retention-${randomUUID()}`;
  const store = new RedisJobStore(REDIS_URL, prefix, { retentionMs });
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  cleanups.push(() => dropRedisPrefix(prefix), () => client.close(), () => store.close());
  /** Every key under the prefix with its PTTL (-1: no expiry). */
  const keys = async () => {
    const found = new Map<string, number>();
    for await (const batch of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      for (const key of batch) found.set(key, await client.pTTL(key));
    }
    return found;
  };
  return { prefix, store, client, keys };
}


describe('retention on Redis', () => {
  it('after a job has run to the end, no key is left without an expiry, and the finished job expires within the retention', async () => {
    const retentionMs = 7 * DAY;
    const { prefix, store, keys } = await openStore(retentionMs);
    const fake = await startFakeOxen({ timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
    const port = new RecordingPort();
    // No daily limit on seconds: the budget counter is written without a limit (the path that had no expiry).
    const core = await startCore({ fake, store, port, service: { budget: { usdPerDay: 1_000 } } });
    cleanups.push(() => fake.close(), () => core.stop());

    // What an adapter does first: claim the command (set-if-absent with an expiry).
    expect(await store.claim('discord:message:1234', 60_000)).toBe(true);
    const submitted = await core.service.submit({
      request: { prompt: 'a fox in the snow', options: DEFAULT_OPTIONS },
      attachments: [],
      requester: { platform: 'discord', userId: 'alice', scopeId: 'guild-1' },
      destination: { platform: 'discord', channelId: 'channel-1' },
    });
    if (!submitted.ok) throw new Error(JSON.stringify(submitted.problems));
    const id = submitted.value.job.id;
    await eventually(async () => (await store.get(id))?.state === 'done', 10_000, 'the job done');
    await eventually(() => port.phasesOf(id).at(-1) === 'done', 5_000, 'the final status edit');
    expect(port.uploads).toHaveLength(1);
    await core.stop();

    const all = await keys();
    const noExpiry = [...all].filter(([, ttl]) => ttl === -1).map(([key]) => key);
    expect(noExpiry).toEqual([]);
    for (const [key, ttl] of all) {
      expect(ttl, key).toBeGreaterThan(0);
      expect(ttl, key).toBeLessThanOrEqual(retentionMs);
    }
    // What the job wrote is there, and kept for the retention, not less.
    const ofJob = [...all].filter(([key]) => key === `${prefix}:id:${id}` || (key.startsWith(`${prefix}:job:`) && key.endsWith(`:${id}`)));
    expect(ofJob).toHaveLength(2); // its record and its id
    for (const [key, ttl] of ofJob) expect(ttl, key).toBeGreaterThan(retentionMs - 60_000);
    expect([...all.keys()]).toContain(`${prefix}:user:discord:alice`);
    expect([...all.keys()].some((key) => key.startsWith(`${prefix}:counter:budget:`))).toBe(true);
    expect(await core.service.list({ platform: 'discord', userId: 'alice' })).toHaveLength(1);
  });

  it('a finished job goes with its place in /jobs when the retention passes; an active one stays, however old', async () => {
    const { prefix, store, client, keys } = await openStore(1_000);
    const ended = jobRecord({ id: 'endedd', state: 'done', endedAt: Date.now() });
    const waiting = jobRecord({ id: 'waitng', createdAt: Date.now() - 90 * DAY });
    expect(await store.create(waiting)).toBe(true);
    expect(await store.create(ended)).toBe(true);
    expect(await store.acquireLease(`job:${waiting.id}`, 'instance-1', 500)).toBe(true);
    expect(await store.recentIdsOf('discord', 'u1', 10)).toEqual([ended.id, waiting.id]);

    await new Promise((resolve) => setTimeout(resolve, 1_800));
    expect(await store.get(ended.id)).toBeUndefined();
    expect(await store.get(waiting.id)).toEqual(waiting);
    expect(await store.activeIds()).toEqual([waiting.id]);
    expect(await store.recentIdsOf('discord', 'u1', 10)).toEqual([waiting.id]);
    // The stale entry was dropped from the list, not just skipped.
    expect(await client.zRange(`${prefix}:user:discord:u1`, 0, -1)).toEqual([waiting.id]);
    const left = await keys();
    expect([...left.keys()].filter((key) => key.includes(ended.id))).toEqual([]);
    // The active job's own keys have no expiry; nothing else is without one.
    for (const [key, ttl] of left) {
      if (key.endsWith(`:${waiting.id}`) || key === `${prefix}:active` || key === `${prefix}:user:discord:u1`) expect(ttl, key).toBe(-1);
      else expect(ttl, key).toBeGreaterThan(0);
    }

    // Once it ends, the rest gets an expiry too.
    await store.put({ ...waiting, state: 'failed', endedAt: Date.now() });
    for (const [key, ttl] of await keys()) expect(ttl, key).toBeGreaterThan(0);
  });

  it('keys written before retention existed get their expiry from the prune, once (a mark skips it after)', async () => {
    const retentionMs = 7 * DAY;
    const { prefix, store, client, keys } = await openStore(retentionMs);
    const endedAt = Date.now() - DAY;
    const old = jobRecord({ id: 'oldjob', state: 'done', requester: { platform: 'discord', userId: 'bob', scopeId: 'g1' }, endedAt });
    const active = jobRecord({ id: 'active', state: 'running', createdAt: Date.now() - 60 * DAY });
    await store.create(old);
    await store.create(active);
    await store.adjust('budget:discord:g1:2026-01-01:seconds', 30);
    await store.joinCapped('user:discord:u1', active.id, 2);
    expect(await client.set(`${prefix}:id:orphan`, '1')).toBe('OK'); // an id claimed by a crash before its save
    // As the previous version left them: nothing expires.
    for (const key of (await keys()).keys()) await client.persist(key);

    let batches = 0;
    while ((await store.prune(2)) === 2) batches++;
    expect(batches).toBeGreaterThan(0);

    const all = await keys();
    const ttl = (name: string) => all.get(`${prefix}:${name}`);
    const recordKey = [...all.keys()].find((key) => key.startsWith(`${prefix}:job:`) && key.endsWith(`:${old.id}`))!;
    expect(all.get(recordKey)).toBeGreaterThan(retentionMs - DAY - 60_000);
    expect(all.get(recordKey)).toBeLessThanOrEqual(retentionMs - DAY);
    expect(ttl(`id:${old.id}`)).toBeLessThanOrEqual(retentionMs - DAY);
    expect(ttl('id:orphan')).toBeGreaterThan(0);
    expect(ttl('counter:budget:discord:g1:2026-01-01:seconds')).toBeLessThanOrEqual(2 * DAY);
    expect(ttl('set:user:discord:u1')).toBeGreaterThan(0);
    expect(ttl('user:discord:bob')).toBeGreaterThan(0);
    // The active job's keys, its person's /jobs list and the active index keep none.
    for (const [key, pttl] of all) {
      const own = key.endsWith(`:${active.id}`) || key === `${prefix}:active` || key === `${prefix}:user:discord:u1`;
      if (own) expect(pttl, key).toBe(-1);
      else expect(pttl, key).toBeGreaterThan(0);
    }
    expect(await store.get(active.id)).toEqual(active);
    expect(await store.prune(2)).toBe(0); // done for this start
    // ... and for the other instances and the next starts: the sweep left a mark.
    expect(await client.pTTL(`${prefix}:retention:swept`)).toBeGreaterThan(retentionMs - 60_000);
    await client.persist(`${prefix}:id:orphan`);
    const next = new RedisJobStore(REDIS_URL, prefix, { retentionMs });
    cleanups.push(() => next.close());
    expect(await next.prune(2)).toBe(0);
    expect(await client.pTTL(`${prefix}:id:orphan`)).toBe(-1);
  });

  it('a counter written without a limit, or given back, still expires', async () => {
    const { prefix, store, client } = await openStore(DAY);
    await store.adjust('budget:discord:g1:2026-11-21:seconds', 15);
    await store.adjust('budget:discord:g1:2026-11-21:usd', -2, 60_000);
    expect(await client.pTTL(`${prefix}:counter:budget:discord:g1:2026-11-21:seconds`)).toBeGreaterThan(DAY);
    expect(await client.pTTL(`${prefix}:counter:budget:discord:g1:2026-11-21:usd`)).toBeGreaterThan(0);
    expect(await store.counterValue('budget:discord:g1:2026-11-21:seconds')).toBe(15);
  });
});
