/** One contract, both backends: the embedded SQLite file and the real Redis on 127.0.0.1:6379. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord, JobState } from '../../../src/core/jobs/job.js';
import { RedisJobStore } from '../../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../../../src/core/jobs/store.js';
import { jobRecord } from '../../helpers/job-record.js';
import { dropRedisPrefix, REDIS_URL } from '../../helpers/redis.js';


const opened: { store: JobStore; cleanup: () => unknown }[] = [];
afterEach(async () => {
  for (const { store, cleanup } of opened.splice(0)) {
    await store.close();
    await cleanup();
  }
});

const backends: [string, () => JobStore][] = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'seedance-store-'));
      const store = new SqliteJobStore(dir);
      opened.push({ store, cleanup: () => rmSync(dir, { recursive: true, force: true }) });
      return store;
    },
  ],
  [
    'redis',
    () => {
      const prefix = `test-${randomUUID()}`;
      const store = new RedisJobStore(REDIS_URL, prefix);
      opened.push({ store, cleanup: () => dropRedisPrefix(prefix) });
      return store;
    },
  ],
];

describe.each(backends)('%s job store', (_name, open) => {
  it('round-trips a record and refuses a taken id', async () => {
    const store = open();
    const record = jobRecord();
    expect(await store.create(record)).toBe(true);
    expect(await store.get(record.id)).toEqual(record);
    expect(await store.create({ ...record, request: { ...record.request, prompt: 'other' } })).toBe(false);
    expect((await store.get(record.id))?.request.prompt).toBe('a fox');
    expect(await store.get('nope00')).toBeUndefined();
  });

  it('keeps the active index in step with the state', async () => {
    const store = open();
    const states: JobState[] = ['waiting', 'running', 'done', 'failed', 'submitting'];
    const records = states.map((state) => jobRecord({ state }));
    for (const record of records) await store.create(record);
    expect((await store.activeIds()).sort()).toEqual([records[0]!.id, records[1]!.id, records[4]!.id].sort());
    await store.put({ ...records[1]!, state: 'cancelled' });
    expect(await store.activeIds()).not.toContain(records[1]!.id);
  });

  it('lists a user’s recent jobs newest first', async () => {
    const store = open();
    const older = jobRecord({ createdAt: 1000 });
    const newer = jobRecord({ createdAt: 2000 });
    const someoneElse = jobRecord({ requester: { platform: 'discord', userId: 'u2', scopeId: 'g1' } });
    for (const r of [older, newer, someoneElse]) await store.create(r);
    expect(await store.recentIdsOf('discord', 'u1', 10)).toEqual([newer.id, older.id]);
    expect(await store.recentIdsOf('discord', 'u1', 1)).toEqual([newer.id]);
    expect(await store.recentIdsOf('slack', 'u1', 10)).toEqual([]);
  });

  it('gives a lease to one owner at a time and lets it expire', async () => {
    const store = open();
    expect(await store.acquireLease('job:a', 'one', 200)).toBe(true);
    expect(await store.acquireLease('job:a', 'two', 200)).toBe(false);
    expect(await store.acquireLease('job:a', 'one', 200)).toBe(true); // renewal
    await store.releaseLease('job:a', 'two'); // not the holder: no effect
    expect(await store.acquireLease('job:a', 'two', 200)).toBe(false);
    await store.releaseLease('job:a', 'one');
    expect(await store.acquireLease('job:a', 'two', 50)).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    expect(await store.acquireLease('job:a', 'one', 200)).toBe(true);
  });

  it('takes many leases in one call, skipping those held by others', async () => {
    const store = open();
    await store.acquireLease('job:b', 'two', 5_000);
    expect(await store.acquireLeases(['job:a', 'job:b', 'job:c'], 'one', 5_000)).toEqual([true, false, true]);
    expect(await store.acquireLeases(['job:a', 'job:c'], 'two', 5_000)).toEqual([false, false]);
  });

  it('never lets a burst of concurrent reservations pass the limit', async () => {
    const store = open();
    const results = await Promise.all(Array.from({ length: 50 }, () => store.reserve('budget:g1', 15, 150, 60_000)));
    expect(results.filter((r) => r.granted)).toHaveLength(10);
    expect(await store.counterValue('budget:g1')).toBe(150);
    expect(await store.adjust('budget:g1', -15)).toBe(135);
    expect(await store.adjust('budget:g1', -1000)).toBe(0);
  });

  it('caps a set under concurrent joins', async () => {
    const store = open();
    const joined = await Promise.all(Array.from({ length: 20 }, (_, i) => store.joinCapped('inflight', `j${i}`, 5)));
    expect(joined.filter(Boolean)).toHaveLength(5);
    const members = await store.members('inflight');
    expect(members).toHaveLength(5);
    expect(await store.joinCapped('inflight', members[0]!, 5)).toBe(true); // already in
    await store.leave('inflight', members[0]!);
    expect(await store.joinCapped('inflight', 'late', 5)).toBe(true);
  });

  it('answers ping', async () => {
    expect(await open().ping()).toBe(true);
  });
});

describe('sqlite job store', () => {
  it('keeps records and indexes across a reopen of the same file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedance-store-'));
    try {
      const first = new SqliteJobStore(dir);
      const record = jobRecord({ state: 'running' });
      await first.create(record);
      await first.reserve('budget:g1', 30, 100, 60_000);
      await first.close();
      const second = new SqliteJobStore(dir);
      expect(await second.get(record.id)).toEqual(record);
      expect(await second.activeIds()).toEqual([record.id]);
      expect(await second.counterValue('budget:g1')).toBe(30);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
