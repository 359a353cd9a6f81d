/**
 * What the shared waiting line costs with 10,000 jobs waiting (src/core/jobs/fair-queue.ts), on the
 * real Redis (line-redis.ts) and in the SQLite store's memory (line-memory.ts): putting them in line
 * (2,500 people, 4 jobs each), the head a dispatch reads, a fresh read of every place (what a job
 * list or a refusal naming a person's jobs costs), and the places a status edit reads from the
 * cache. Prints the figures; nothing here is a pass or fail.
 *
 *   npx tsx bench/waiting-line.ts            # BENCH_JOBS=10000
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { WaitingLine } from '../src/core/jobs/fair-queue.js';
import { RedisJobStore } from '../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../src/core/jobs/store.js';
import { dropRedisPrefix, REDIS_URL } from '../test/helpers/redis.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const PEOPLE = Math.max(1, Math.floor(JOBS / 4));

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await fn();
  return [value, performance.now() - started];
}

async function measure(name: string, store: JobStore): Promise<Record<string, string>> {
  const line = new WaitingLine(store.line, { ttlMs: 1_000 });
  const [, addMs] = await time(async () => {
    for (let batch = 0; batch < JOBS; batch += 100) {
      await Promise.all(Array.from({ length: Math.min(100, JOBS - batch) }, (_, k) => store.line.add(`job${batch + k}`, `user:${(batch + k) % PEOPLE}`)));
    }
  });
  const [, headMs] = await time(() => line.head(256));
  const [places, freshMs] = await time(() => line.positions({ fresh: true }));
  const edits = 10_000;
  const [, cachedMs] = await time(async () => {
    for (let i = 0; i < edits; i++) await line.positions();
  });
  const [, versionMs] = await time(() => store.line.version());
  return {
    store: name,
    'waiting jobs': String(places.size),
    'put in line (each)': `${((addMs * 1000) / JOBS).toFixed(0)} µs`,
    'dispatch head (256)': `${headMs.toFixed(2)} ms`,
    'version check': `${versionMs.toFixed(2)} ms`,
    'all places, fresh': `${freshMs.toFixed(1)} ms`,
    'places for a status edit (cached)': `${((cachedMs * 1000) / edits).toFixed(2)} µs`,
  };
}

const rows: Record<string, string>[] = [];
const prefix = `bench-line-${randomUUID()}`;
const redis = new RedisJobStore(REDIS_URL, prefix);
try {
  rows.push(await measure('Redis (shared)', redis));
} finally {
  await redis.close();
  await dropRedisPrefix(prefix);
}
const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-line-'));
const sqlite = new SqliteJobStore(dir);
try {
  rows.push(await measure('SQLite store (memory)', sqlite));
} finally {
  await sqlite.close();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\n${JOBS} jobs waiting, ${PEOPLE} people; a status edit reads the cached places (re-read at most once a second when the line changed)\n`);
console.table(rows);
