/**
 * The SQLite store's writes under a burst (store-sqlite-writes.ts): a save on the way to a
 * delivery does not wait behind a safety-net listing's hundreds of saves, nor behind other
 * queued writes, and grouped saves keep every record and index right.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/core/jobs/job.js';
import { SqliteJobStore } from '../../../src/core/jobs/store-sqlite.js';
import { jobRecord } from '../../helpers/job-record.js';

const opened: { store: SqliteJobStore; dir: string }[] = [];
afterEach(async () => {
  for (const { store, dir } of opened.splice(0)) {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

function openStore(): SqliteJobStore {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-write-order-'));
  const store = new SqliteJobStore(dir);
  opened.push({ store, dir });
  return store;
}

const running = (status: 'queued' | 'processing' | 'succeeded', i: number): JobRecord =>
  jobRecord({ state: 'running', requester: { platform: 'discord', userId: `u${i % 50}`, scopeId: 'g1' }, generations: [{ id: `gen-${i}`, status, delivery: 'pending' }] });

/** Puts every record at once; counts the puts that have completed. */
function putAll(store: SqliteJobStore, records: readonly JobRecord[]) {
  const progress = { done: 0, all: Promise.resolve() as Promise<unknown> };
  progress.all = Promise.all(records.map((r) => store.put(r).then(() => void progress.done++)));
  return progress;
}

describe('sqlite store writes under a burst', () => {
  it('a delivery save issued while a listing’s 2,000 saves are queued completes before they do', async () => {
    const store = openStore();
    const jobs = Array.from({ length: 2_001 }, (_, i) => running('queued', i));
    await Promise.all(jobs.map((job) => store.put(structuredClone(job))));
    const [delivering, ...listed] = jobs;

    // The listing: every job moved to processing, saved at once.
    for (const job of listed) job.generations[0]!.status = 'processing';
    const listing = putAll(store, listed);
    // The completion event of one job arrives meanwhile: its save comes before its upload.
    delivering!.generations[0]!.status = 'succeeded';
    await store.put(delivering!);
    const doneWhenDelivered = listing.done;
    await listing.all;

    expect(doneWhenDelivered).toBeLessThan(listed.length / 2);
    expect((await store.get(delivering!.id))?.generations[0]?.status).toBe('succeeded');
    for (const job of [listed[0]!, listed[999]!, listed.at(-1)!]) expect((await store.get(job.id))?.generations[0]?.status).toBe('processing');
  });

  it('a delivery save goes ahead of 2,000 saves of ended jobs that nobody waits on (their cost, looked up afterwards)', async () => {
    const store = openStore();
    const ended = Array.from({ length: 2_000 }, (_, i) => Object.assign(running('succeeded', i), { state: 'done' as const, endedAt: Date.now() }));
    await Promise.all(ended.map((job) => store.put(structuredClone(job))));
    const delivering = running('queued', 5_000);
    await store.put(structuredClone(delivering));

    // What Oxen charged arrives for every ended job at once; each is saved again, in the background.
    for (const job of ended) job.generations[0]!.cost = '0.42';
    const progress = { done: 0 };
    const costs = Promise.all(ended.map((job) => store.put(job, { later: true }).then(() => void progress.done++)));
    delivering.generations[0]!.status = 'succeeded';
    await store.put(delivering);
    const doneWhenDelivered = progress.done;
    await costs;

    expect(doneWhenDelivered).toBeLessThan(ended.length / 2);
    expect((await store.get(ended[1_999]!.id))?.generations[0]?.cost).toBe('0.42');
  });

  it('an ending save goes ahead of other writes already queued', async () => {
    const store = openStore();
    const job = running('succeeded', 1);
    await store.create(job);
    let counted = 0;
    const counters = Promise.all(Array.from({ length: 300 }, (_, i) => store.adjust(`c${i}`, 1).then(() => void counted++)));
    job.state = 'done';
    job.endedAt = Date.now();
    await store.put(job);
    const countedWhenEnded = counted;
    await counters;
    expect(countedWhenEnded).toBeLessThan(150);
    expect(await store.activeIds()).toEqual([]);
  });

  it('grouped saves keep records and indexes right: new, updated and finished jobs in one burst', async () => {
    const store = openStore();
    const saved = Array.from({ length: 600 }, (_, i) => running('processing', i));
    await Promise.all(saved.slice(0, 300).map((job) => store.put(structuredClone(job))));
    const fresh = Array.from({ length: 300 }, (_, i) => running('queued', 1000 + i));
    for (const [i, job] of saved.entries()) if (i % 3 === 0) Object.assign(job, { state: 'done', endedAt: Date.now() });
    // Saved twice in the same burst: the last copy wins.
    const twice = saved[1]!;
    const first = store.put({ ...twice, generations: [{ ...twice.generations[0]!, status: 'queued' }] });
    await Promise.all([first, ...[...saved, ...fresh].map((job) => store.put(job))]);

    const active = new Set(await store.activeIds());
    const expected = [...saved, ...fresh].filter((job) => job.state !== 'done');
    expect(active.size).toBe(expected.length);
    for (const job of expected) expect(active.has(job.id)).toBe(true);
    expect((await store.get(twice.id))?.generations[0]?.status).toBe('processing');
    for (const job of [saved[0]!, saved[301]!, fresh[7]!]) expect(await store.get(job.id)).toEqual(job);
    expect(await store.recentIdsOf('discord', 'u7', 100)).toEqual(expect.arrayContaining([saved[7]!.id, saved[57]!.id, fresh[7]!.id]));
  });
});
