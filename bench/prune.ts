/**
 * Retention benchmark: N finished jobs past JOB_RETENTION_DAYS (default 20,000) and 1,000 active
 * ones in an SQLite store, then the app's pruner (start-up run, batches of 500). Prints how long
 * the run took, the longest a single batch held the store, and the event loop's worst delay
 * while it ran (what a command arriving meanwhile would wait), and checks that every finished
 * job went and every active one stayed. Redis needs no prune (its keys expire by themselves).
 *
 *   npm run bench:prune
 *   BENCH_JOBS=100000 npm run bench:prune
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { JobRecord } from '../src/core/jobs/job.js';
import { startPruning } from '../src/core/jobs/retention.js';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import { DEFAULT_OPTIONS } from '../src/core/request.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const ACTIVE = 1_000;
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-prune-'));
const now = Date.now();
const record = (i: number, state: JobRecord['state'], at: number): JobRecord => ({
  id: `j${String(i).padStart(7, '0')}`,
  state,
  requester: { platform: 'discord', userId: `user-${i % 500}`, scopeId: 'guild-1' },
  destination: { platform: 'discord', channelId: 'channel-1', statusMessageId: 'm1', threadId: 't1' },
  request: { prompt: 'a fox running through fresh snow at dawn, cinematic', options: DEFAULT_OPTIONS },
  modelId: 'bytedance-seedance-2-0-fast-text-to-video',
  body: { model: 'bytedance-seedance-2-0-fast-text-to-video', prompt: 'a fox running through fresh snow at dawn, cinematic' },
  references: [],
  generations: state === 'done' ? [{ id: `gen-${i}`, status: 'succeeded', delivery: 'delivered', deliveredAt: at }] : [],
  reservation: { day: '2026-01-01', videoSeconds: 5, settled: state === 'done' },
  createdAt: at - 60_000,
  updatedAt: at,
  ...(state === 'done' ? { endedAt: at } : {}),
  attempts: 1,
});

try {
  const store = new SqliteJobStore(dir, () => now, { retentionMs: 30 * DAY });
  const filling = Date.now();
  for (let i = 0; i < JOBS; i++) await store.put(record(i, 'done', now - 40 * DAY + i));
  for (let i = JOBS; i < JOBS + ACTIVE; i++) await store.put(record(i, 'waiting', now - 90 * DAY));
  console.log(`filled ${JOBS} finished + ${ACTIVE} active jobs in ${((Date.now() - filling) / 1000).toFixed(1)} s`);

  let longestBatch = 0;
  const timed = Object.assign(Object.create(store) as SqliteJobStore, {
    prune: async (limit: number) => {
      const began = performance.now();
      const removed = await store.prune(limit);
      longestBatch = Math.max(longestBatch, performance.now() - began);
      return removed;
    },
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const began = performance.now();
  let removed = 0;
  const pruner = startPruning(timed, { batch: BATCH, maxBatches: 1_000_000, onRun: (n) => (removed = n) });
  await pruner.running;
  const took = performance.now() - began;
  loop.disable();
  await pruner.stop();

  const left = (await store.activeIds()).length;
  const firstGone = (await store.get(record(0, 'done', 0).id)) === undefined;
  const lastGone = (await store.get(record(JOBS - 1, 'done', 0).id)) === undefined;
  console.log(`pruned ${removed} of ${JOBS} finished jobs in ${(took / 1000).toFixed(2)} s (${Math.round((removed / took) * 1000)} jobs/s)`);
  console.log(`longest batch (${BATCH} jobs, store held): ${longestBatch.toFixed(1)} ms`);
  console.log(`event loop delay while pruning: p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms`);
  console.log(`active jobs kept: ${left} of ${ACTIVE}; finished jobs gone: ${firstGone && lastGone && removed === JOBS ? 'all' : 'NOT ALL'}`);
  await store.close();
  if (left !== ACTIVE || removed !== JOBS || !firstGone || !lastGone) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
