/**
 * Retention on the embedded store: the real SQLite file, read back with raw SQL, and a fake clock
 * (the store's `now`) so "31 days later" takes no time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/core/config.js';
import type { JobRecord } from '../../../src/core/jobs/job.js';
import { startPruning } from '../../../src/core/jobs/retention.js';
import { SqliteJobStore } from '../../../src/core/jobs/store-sqlite.js';
import { captureLog, startTestApp } from '../../app/helpers.js';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { eventually } from '../../helpers/harness.js';
import { jobRecord as anyJobRecord } from '../../helpers/job-record.js';

/** A job record on the test's clock (created at T0 unless said otherwise). */
const jobRecord = (overrides: Partial<JobRecord> & { id: string }) => anyJobRecord({ createdAt: T0, updatedAt: T0, ...overrides });

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T12:00:00Z');

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function openStore(dir = mkdtempSync(join(tmpdir(), 'seedance-retention-'))) {
  const clock = { now: T0 };
  const store = new SqliteJobStore(dir, () => clock.now, { retentionMs: 30 * DAY });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
  return { store, clock, dir };
}

/** The same file through a second connection, for what the store's API does not show. */
function rawFile(dir: string) {
  const raw = new KeyvSqlite({ uri: `sqlite://${join(dir, 'seedance-bot.sqlite')}`, busyTimeout: 10_000 });
  cleanups.push(() => raw.disconnect());
  const count = async (sql: string, ...params: unknown[]) => Number(((await raw.query(sql, ...params)) as { n: number }[])[0]!.n);
  return { raw, count };
}


const finished = (id: string, user: string, createdAt: number, endedAt: number): JobRecord =>
  jobRecord({ id, state: 'done', requester: { platform: 'discord', userId: user, scopeId: 'g1' }, createdAt, updatedAt: endedAt, endedAt });

describe('pruning the SQLite store', () => {
  it('removes a finished job past the retention with its index rows, and keeps active and recent ones', async () => {
    const { store, clock, dir } = openStore();
    const old = finished('oldaaa', 'u1', T0 - 2 * DAY, T0 - DAY);
    const recent = finished('recent', 'u1', T0 + 20 * DAY, T0 + 20 * DAY + 60_000);
    // Active for a long time (waiting for a slot): never removed, however old.
    const ancient = jobRecord({ id: 'ancent', state: 'waiting', createdAt: T0 - 90 * DAY, updatedAt: T0 - 90 * DAY });
    const running = jobRecord({ id: 'runing', state: 'running', createdAt: T0 - 40 * DAY, updatedAt: T0 - 40 * DAY });
    for (const record of [old, recent, ancient, running]) expect(await store.create(record)).toBe(true);
    // The budget counter of a day long gone...
    await store.reserve('budget:discord:g1:2026-06-01:seconds', 15, 100, 2 * DAY);
    // ... a claim on a message of that day, and one that lasts (a settlement mark, say).
    expect(await store.claim('discord:message:1', 60_000)).toBe(true);
    expect(await store.claim('settle:long', 60 * DAY)).toBe(true);

    clock.now = T0 + 28 * DAY; // the old job ended 29 days ago: not yet
    // ... and one of "today", with no limit configured (the path that used to have no expiry).
    await store.adjust('budget:discord:g1:2026-06-29:seconds', 5);
    expect(await store.prune(100)).toBe(0);
    expect(await store.get(old.id)).toBeDefined();

    clock.now = T0 + 29 * DAY + 1;
    expect(await store.prune(100)).toBe(1);
    expect(await store.get(old.id)).toBeUndefined();
    expect(await store.recentIdsOf('discord', 'u1', 10)).not.toContain(old.id);
    for (const kept of [recent, ancient, running]) expect(await store.get(kept.id), kept.id).toEqual(kept);
    expect((await store.activeIds()).sort()).toEqual([ancient.id, running.id].sort());
    expect(await store.recentIdsOf('discord', 'u1', 10)).toEqual(expect.arrayContaining([recent.id, ancient.id, running.id]));

    const { count } = rawFile(dir);
    expect(await count('SELECT COUNT(*) AS n FROM user_jobs WHERE id = ?', old.id)).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM keyv WHERE key LIKE ?", `%${old.id}%`)).toBe(0);
    expect(await count('SELECT COUNT(*) AS n FROM user_jobs')).toBe(3);
    // The counter of 2026-06-01 expired (2 days) and is gone; the one written "today" is kept.
    expect(await count('SELECT COUNT(*) AS n FROM counters')).toBe(1);
    expect(await store.counterValue('budget:discord:g1:2026-06-29:seconds')).toBe(5);
    // The expired claim is gone (no claim came since to clear it), the lasting one is kept.
    expect(await count('SELECT COUNT(*) AS n FROM claims')).toBe(1);
    expect(await store.claim('settle:long', 60 * DAY)).toBe(false);

    // Nothing more to do until the recent job's time comes, 30 days after it ended.
    expect(await store.prune(100)).toBe(0);
    clock.now = T0 + 51 * DAY;
    expect(await store.prune(100)).toBe(1);
    expect(await store.get(recent.id)).toBeUndefined();
    expect(await store.get(ancient.id)).toEqual(ancient);
  });

  it('removes at most one batch per call, oldest first', async () => {
    const { store, clock } = openStore();
    for (let i = 0; i < 5; i++) await store.put(finished(`batch${i + 2}`, `u${i}`, T0 + i, T0 + i));
    clock.now = T0 + 31 * DAY;
    expect(await store.prune(2)).toBe(2);
    expect(await store.get('batch2')).toBeUndefined();
    expect(await store.get('batch3')).toBeUndefined();
    expect(await store.get('batch4')).toBeDefined();
    expect(await store.prune(2)).toBe(2);
    expect(await store.prune(2)).toBe(1);
    expect(await store.prune(2)).toBe(0);
  });

  it('drops expired leases from memory', async () => {
    const { store, clock } = openStore();
    expect(await store.acquireLease('job:a', 'one', 1_000)).toBe(true);
    expect(await store.acquireLease('job:b', 'one', 60_000)).toBe(true);
    clock.now += 5_000;
    await store.prune(10);
    const leases = (store as unknown as { leases: Map<string, unknown> }).leases;
    expect([...leases.keys()]).toEqual(['job:b']);
  });

  it('an expired counter written again starts from 0 with a fresh expiry, instead of staying invisible', async () => {
    const { store, clock } = openStore();
    await store.adjust('c', 5, 1_000);
    clock.now += 2_000;
    expect(await store.counterValue('c')).toBe(0);
    expect(await store.adjust('c', 3, 1_000)).toBe(3);
    expect(await store.counterValue('c')).toBe(3);
  });

  it('a file written before the prune existed: its finished jobs are dated by their creation and pruned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedance-retention-'));
    const first = new SqliteJobStore(dir, () => T0);
    const legacy = finished('legacy', 'u1', T0 - 40 * DAY, T0 - 40 * DAY);
    const active = jobRecord({ id: 'stilll', state: 'running', createdAt: T0 - 40 * DAY });
    await first.create(legacy);
    await first.create(active);
    await first.close();
    const raw = new KeyvSqlite({ uri: `sqlite://${join(dir, 'seedance-bot.sqlite')}` });
    await raw.query('DROP TABLE finished_jobs'); // as the file was before this version
    await raw.disconnect();

    const { store } = openStore(dir);
    expect(await store.prune(100)).toBe(1);
    expect(await store.get(legacy.id)).toBeUndefined();
    expect(await store.get(active.id)).toEqual(active);
  });

  it('runs at start-up in batches until nothing is left, and stops', async () => {
    const { store, clock } = openStore();
    for (let i = 0; i < 7; i++) await store.put(finished(`start${i + 2}`, 'u1', T0, T0));
    clock.now = T0 + 31 * DAY;
    const runs: number[] = [];
    let calls = 0;
    const counted = Object.assign(Object.create(store) as SqliteJobStore, { prune: (limit: number) => (calls++, store.prune(limit)) });
    const pruner = startPruning(counted, { batch: 3, everyMs: 30, onRun: (n) => runs.push(n) });
    await pruner.running;
    expect(runs).toEqual([7]);
    expect(calls).toBe(3); // 3 + 3 + 1
    expect(await store.recentIdsOf('discord', 'u1', 10)).toEqual([]);
    await eventually(() => calls > 3, 2_000, 'the next run'); // and again on the timer
    await pruner.stop();
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(calls).toBe(after);
  });
});

describe('the app', () => {
  it('prunes at start-up with JOB_RETENTION_DAYS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedance-retention-app-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const seed = new SqliteJobStore(dir);
    const now = Date.now();
    const stale = finished('stalee', 'u1', now - 4 * DAY, now - 3 * DAY);
    const fresh = finished('freshh', 'u1', now - 2 * DAY, now - DAY);
    for (const record of [stale, fresh]) await seed.create(record);
    await seed.close();

    const fake = await startFakeOxen();
    cleanups.push(() => fake.close());
    const captured = captureLog();
    const t = await startTestApp({ fake, dataDir: dir, log: captured.log, env: { JOB_RETENTION_DAYS: '2' } });
    await eventually(async () => (await t.app.store.get(stale.id)) === undefined, 5_000, 'the stale job pruned');
    expect(await t.app.store.get(fresh.id)).toEqual(fresh);
    await t.stop();
    const events = captured.lines().map((l) => String(l['event']));
    expect(captured.lines().find((l) => l['event'] === 'store.pruned')).toMatchObject({ jobs: 1 });
    expect(events).not.toContain('store.prune_failed');
  });
});

describe('JOB_RETENTION_DAYS', () => {
  const env = { OXEN_API_KEY: 'sk-test' };
  it('defaults to 30 days and takes whole days', () => {
    expect(loadConfig(env).store.jobRetentionMs).toBe(30 * DAY);
    expect(loadConfig({ ...env, JOB_RETENTION_DAYS: '7' }).store.jobRetentionMs).toBe(7 * DAY);
  });

  it.each(['0', '1.5', '-3', 'forever'])('refuses %s, naming the variable', (value) => {
    expect(() => loadConfig({ ...env, JOB_RETENTION_DAYS: value })).toThrow(/JOB_RETENTION_DAYS must be a whole number of days/);
  });
});
