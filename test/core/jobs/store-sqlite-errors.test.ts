/**
 * The embedded store when SQLite fails under it: a failed read or delete of a job record is an
 * error the caller sees, never "no such job" or "pruned". The real SQLite file; the failures are
 * made in SQLite itself through a second connection (a trigger refusing deletes, the records'
 * table renamed away).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteJobStore } from '../../../src/core/jobs/store-sqlite.js';
import { jobRecord } from '../../helpers/job-record.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T12:00:00Z');

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function openStore() {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-sqlite-errors-'));
  const clock = { now: T0 };
  const store = new SqliteJobStore(dir, () => clock.now, { retentionMs: DAY });
  const raw = new KeyvSqlite({ uri: `sqlite://${join(dir, 'seedance-bot.sqlite')}`, busyTimeout: 10_000 });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close(), () => raw.disconnect());
  const count = async (sql: string) => Number(((await raw.query(sql)) as { n: number }[])[0]!.n);
  return { store, clock, raw, count };
}

describe('SQLite failures under the store', () => {
  it('a prune whose record delete fails says so, and keeps what finds the job, so the next prune removes it', async () => {
    const { store, clock, raw, count } = openStore();
    const done = jobRecord({ id: 'doneaa', state: 'done', createdAt: T0, updatedAt: T0, endedAt: T0 });
    expect(await store.create(done)).toBe(true);
    clock.now = T0 + 2 * DAY;
    await raw.query("CREATE TRIGGER refuse BEFORE DELETE ON keyv BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");

    await expect(store.prune(100)).rejects.toThrow(/disk I\/O error/);
    // Not reported as pruned, and not left as a record nothing points to any more.
    expect(await count("SELECT COUNT(*) AS n FROM keyv WHERE key = 'job:doneaa'")).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM finished_jobs WHERE id = 'doneaa'")).toBe(1);

    await raw.query('DROP TRIGGER refuse');
    expect(await store.prune(100)).toBe(1);
    expect(await count("SELECT COUNT(*) AS n FROM keyv WHERE key = 'job:doneaa'")).toBe(0);
    expect(await count("SELECT COUNT(*) AS n FROM finished_jobs WHERE id = 'doneaa'")).toBe(0);
  });

  it('a failed read of a record is an error, not a missing job', async () => {
    const { store, raw } = openStore();
    const job = jobRecord({ id: 'readaa', createdAt: T0, updatedAt: T0 });
    expect(await store.create(job)).toBe(true);
    expect((await store.get('readaa'))?.id).toBe('readaa');

    await raw.query('ALTER TABLE keyv RENAME TO keyv_gone');
    await expect(store.get('readaa')).rejects.toThrow(/no such table/);
  });
});
