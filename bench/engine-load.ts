/**
 * Load benchmark: N jobs (default 10,000) in flight against the fake Oxen (in its own process),
 * through the real VideoService + JobEngine (production settings, SQLite store), in two runs:
 *   engine       completions uniform over a window (default 150 s), starting 5 s after every job
 *                is at Oxen;
 *   engine-10min every job lasts about 10 minutes before its completion window. Fake time
 *                (bench/wait-clock.ts): the engine's clock runs BENCH_TIME_SCALE (default 10)
 *                times faster during the wait, which takes about a minute and sends the
 *                requests a 10-minute one would; from the window on, the clock and every
 *                interval are real, as in the other run, so the two compare.
 * Each run's bot process runs as `npm start` runs the bot (bench/compiled.ts: the compiled dist/
 * with the start script's Node flags and environment, no TypeScript loader), so its memory is the bot's as
 * operators run it; every 15 s it logs where its memory is (RSS, the V8 heap's young and old
 * spaces, memory outside the heap).
 * Prints Oxen requests per job (all of them, result downloads included), completion-to-upload
 * latency, peak RSS and event-loop delay, next to the figures of main before the safety net
 * became one listing (issue 10) and the targets. BENCH_NAIVE=1 adds a naive tracker that GETs
 * every job every 5 s.
 *
 *   npm run bench:engine                 # each run in a fresh process
 *   BENCH_JOBS=2000 BENCH_SPREAD_S=60 npm run bench:engine
 *   BENCH_RUNS=engine npm run bench:engine   # only the runs named (comma-separated)
 *   tsx bench/engine-load.ts engine      # one run only (prints JSON)
 *   BENCH_ALLOC_PROFILE=/tmp BENCH_RUNS=engine npm run bench:engine   # where the allocations come from
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSpaceStatistics, writeHeapSnapshot } from 'node:v8';
import { DEFAULT_ENGINE_SETTINGS, JobEngine } from '../src/core/jobs/engine.js';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import { ModelSchemas } from '../src/core/models/schemas.js';
import { OxenClient } from '../src/core/oxen/client.js';
import { SelfReferenceHost } from '../src/core/references/self-host.js';
import { VideoService } from '../src/core/service.js';
import { AllocationProfile } from './alloc-profile.js';
import { PollingTracker } from './baseline-tracker.js';
import { compiledBench, npmStart } from './compiled.js';
import { WaitClock } from './wait-clock.js';
import { clock, CountingPort, fmt, mb, percentile, pool, Sampler, sleep, startFakeProcess, textRequest } from './lib.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_S ?? 150) * 1000;
const DELAY_MS = 5_000;
const USERS = Math.max(1, Math.floor(JOBS / 4)); // 4 jobs per person
const SUBMIT_CONCURRENCY = 64;
const TIME_SCALE = Number(process.env.BENCH_TIME_SCALE ?? 10);
const LONG_JOB_MS = 10 * 60_000;
/** A directory: heap snapshots are written there with every job in flight and half-way through the completions (for finding what holds memory; the pauses spoil that run's latency). */
const SNAPSHOT_DIR = process.env.BENCH_HEAP_SNAPSHOT;
/** A directory: the run's allocations (garbage included) are sampled, written there and summed by function (bench/alloc-profile.ts). */
const ALLOC_DIR = process.env.BENCH_ALLOC_PROFILE;

/** main before this change (issue 10), and the targets. */
const BEFORE = { requestsPerJob: 4.66, allRequestsPerJob: 5.66, p99Ms: 94, rssMB: 196 };
const TARGET = { allRequestsPerJob: 2.1, p99Ms: 50, rssMB: 150 };

type Mode = 'engine' | 'engine-10min' | 'baseline';

interface RunResult {
  mode: Mode;
  jobs: number;
  submitted: number;
  uploaded: number;
  submitSec: number;
  followSec: number;
  counts: Record<string, number>;
  apiRequests: number;
  allRequests: number;
  latency: { p50: number; p99: number; max: number };
  rssPeakMB: number;
  /** The V8 heap (used, committed) and memory outside it (external) when the RSS peaked. */
  atPeak: { heapUsedMB: number; heapTotalMB: number; externalMB: number };
  loopSubmit: { p50: number; p99: number; max: number };
  loopFollow: { p50: number; p99: number; max: number };
  /** The fake Oxen's own event-loop delay over the follow phase. */
  fakeLoop: { p50: number; p99: number; max: number };
  statusEdits: number;
  errors: number;
  errorSample: string[];
}

async function run(mode: Mode): Promise<RunResult> {
  const sampler = new Sampler();
  const allocations = ALLOC_DIR ? new AllocationProfile() : undefined;
  await allocations?.start();
  const fake = await startFakeProcess();
  const waitClock = new WaitClock(mode === 'engine-10min' ? TIME_SCALE : 1);
  const port = new CountingPort();
  const oxen = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
  const errors: string[] = [];
  const note = (error: unknown, step = '') => errors.push(`${step} ${error instanceof Error ? error.message : String(error)}`.trim());
  let stop: () => Promise<void>;
  let submitOne: (i: number) => Promise<void>;
  let settled: () => boolean = () => true;

  if (mode !== 'baseline') {
    const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-'));
    const store = new SqliteJobStore(dir);
    const schemas = new ModelSchemas(oxen);
    const host = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com' });
    const ports = new Map([[port.platform, port]]);
    const engine = new JobEngine(
      { store, oxen, host, ports, relaunch: VideoService.relaunch(schemas, host.files), onError: (error, { step }) => note(error, step) },
      { ...DEFAULT_ENGINE_SETTINGS, now: waitClock.now, globalLimit: 10_000 },
    );
    const service = new VideoService({ store, schemas, engine, ports, references: host.files }, { perUserLimit: 10 });
    await engine.start();
    submitOne = async (i) => {
      const result = await service.submit(textRequest(i, USERS));
      if (!result.ok) note(JSON.stringify(result.problems), 'submit');
    };
    settled = () => engine.trackedCount === 0;
    stop = async () => {
      await engine.stop();
      host.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
  } else {
    const tracker = new PollingTracker(oxen, port);
    submitOne = (i) => tracker.submit(textRequest(i, USERS).request.prompt);
    stop = async () => {
      tracker.stop();
      for (const e of tracker.errors) note(e, 'poll');
    };
  }

  // Submit everything; the completion window opens once every job is at Oxen.
  const t0 = clock();
  await pool(JOBS, SUBMIT_CONCURRENCY, (i) => submitOne(i).catch((error: unknown) => void note(error, 'submit')));
  // Launches finish after submit() returns: wait for the last enqueues (counted from the end of
  // submitting, which takes minutes on a loaded machine), or a job reaches Oxen after the
  // schedule and is never completed.
  const submitted = clock();
  for (let s = await fake.stats(); s.generations < JOBS && clock() - submitted < 120_000; s = await fake.stats()) await sleep(100);
  const submitSec = (clock() - t0) / 1000;
  const loopSubmit = sampler.loop();
  sampler.resetLoop();
  // The 10-minute run waits in fake time, then completes at the same real rate and cadence as the
  // other run, so its latency and memory compare.
  const [delayMs, spreadMs] = mode === 'engine-10min' ? [(LONG_JOB_MS - SPREAD_MS / 2) / TIME_SCALE, SPREAD_MS] : [DELAY_MS, SPREAD_MS];
  if (SNAPSHOT_DIR) console.error(`[${mode}] heap snapshot, all in flight: ${writeHeapSnapshot(join(SNAPSHOT_DIR, `${mode}-in-flight.heapsnapshot`))}`);
  const scheduled = await fake.schedule(delayMs, spreadMs);
  console.error(`[${mode}] ${scheduled} generations at Oxen after ${fmt(submitSec)} s; completing over ${spreadMs / 1000} s from ${fmt(delayMs / 1000)} s; ${memoryLine()}`);

  const t1 = clock();
  waitClock.fast();
  setTimeout(() => waitClock.real(), delayMs).unref();
  const deadline = t1 + delayMs + spreadMs + 180_000;
  let lastLog = t1;
  let halfWay = !SNAPSHOT_DIR;
  while (port.uploadedAt.size < scheduled && clock() < deadline) {
    await sleep(200);
    if (!halfWay && port.uploadedAt.size >= scheduled / 2) {
      halfWay = true;
      console.error(`[${mode}] heap snapshot, half delivered: ${writeHeapSnapshot(join(SNAPSHOT_DIR!, `${mode}-half.heapsnapshot`))}`);
    }
    if (clock() - lastLog > 15_000) {
      lastLog = clock();
      console.error(`[${mode}] t+${fmt((lastLog - t1) / 1000, 0)} s: ${port.uploadedAt.size} uploaded, ${memoryLine()}`);
    }
  }
  const followSec = (clock() - t1) / 1000;
  if (allocations) console.error(`[${mode}] ${(await allocations.stop(join(ALLOC_DIR!, `${mode}.heapprofile`))).join('\n')}`);
  const loopFollow = sampler.loop();
  for (let waited = 0; !settled() && waited < 30_000; waited += 100) await sleep(100);
  const stats = await fake.stats();
  const latencies: number[] = [];
  for (const [id, at] of port.uploadedAt) {
    const completed = stats.completedAt[id];
    if (completed !== undefined) latencies.push(at - completed);
  }
  await stop();
  await fake.close();
  sampler.stop();
  const allRequests = Object.values(stats.counts).reduce((sum, n) => sum + n, 0);
  const apiRequests = allRequests - (stats.counts['resultFile'] ?? 0);
  return {
    mode,
    jobs: JOBS,
    submitted: stats.generations,
    uploaded: port.uploadedAt.size,
    submitSec,
    followSec,
    counts: stats.counts,
    apiRequests,
    allRequests,
    latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    rssPeakMB: mb(sampler.rssPeak),
    atPeak: { heapUsedMB: mb(sampler.atPeak.heapUsed), heapTotalMB: mb(sampler.atPeak.heapTotal), externalMB: mb(sampler.atPeak.external) },
    loopSubmit,
    loopFollow,
    fakeLoop: stats.loop,
    statusEdits: port.statusEdits,
    errors: errors.length,
    errorSample: [...new Set(errors)].slice(0, 5),
  };
}

/** Where the memory is: RSS, the V8 heap (used/committed, and the committed size of its young and old spaces), memory outside it. */
function memoryLine(): string {
  const m = process.memoryUsage();
  const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
  const old = (spaces['old_space'] ?? 0) + (spaces['code_space'] ?? 0) + (spaces['map_space'] ?? 0) + (spaces['large_object_space'] ?? 0) + (spaces['code_large_object_space'] ?? 0);
  const young = (spaces['new_space'] ?? 0) + (spaces['new_large_object_space'] ?? 0);
  return `rss ${fmt(mb(m.rss), 0)} MB (heap ${fmt(mb(m.heapUsed), 0)}/${fmt(mb(m.heapTotal), 0)} MB: young ${fmt(mb(young), 0)}, old ${fmt(mb(old), 0)}; external ${fmt(mb(m.external), 0)} MB, array buffers ${fmt(mb(m.arrayBuffers), 0)} MB)`;
}

function runChild(compiled: URL, mode: Mode): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const start = npmStart();
    const child = fork(compiled, [mode], { execArgv: start.flags, env: { ...process.env, ...start.env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: RunResult | undefined;
    child.on('message', (m: RunResult) => (result = m));
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${mode} run exited with ${code}`))));
  });
}

function print(results: RunResult[]): void {
  const line = (label: string, f: (r: RunResult) => string) => console.log(`${label.padEnd(40)}${results.map((r) => f(r).padStart(14)).join('')}`);
  console.log(`\n${JOBS} text jobs, ${USERS} users, completions uniform over ${SPREAD_MS / 1000} s (engine: starting ${DELAY_MS / 1000} s after all are at Oxen; engine-10min: after 10 minutes of fake time, passing ${TIME_SCALE}× faster during the wait)`);
  console.log(`DEFAULT_ENGINE_SETTINGS (safety-net listing every ${DEFAULT_ENGINE_SETTINGS.listEveryMs / 1000} s, ${DEFAULT_ENGINE_SETTINGS.pollWithoutStreamMs / 1000} s without the stream; tick 1 s), globalLimit 10000, SQLite store${results.some((r) => r.mode === 'baseline') ? '; baseline: GET every 5 s per job' : ''}\n`);
  line('', (r) => r.mode);
  line('jobs at Oxen / uploaded', (r) => `${r.submitted}/${r.uploaded}`);
  line('submit phase (s)', (r) => fmt(r.submitSec));
  line('follow phase (s)', (r) => fmt(r.followSec));
  const routes = [...new Set(results.flatMap((r) => Object.keys(r.counts)))].sort();
  for (const route of routes) line(`  requests ${route}`, (r) => String(r.counts[route] ?? 0));
  line('Oxen requests per job, all', (r) => fmt(r.allRequests / r.jobs, 3));
  line('  API only (no result download)', (r) => fmt(r.apiRequests / r.jobs, 3));
  line('  GET /api/ai/queue/{id} per job', (r) => fmt((r.counts['getGeneration'] ?? 0) / r.jobs, 3));
  line('completion->upload latency p50 (ms)', (r) => fmt(r.latency.p50));
  line('completion->upload latency p99 (ms)', (r) => fmt(r.latency.p99));
  line('completion->upload latency max (ms)', (r) => fmt(r.latency.max));
  line('peak RSS (MB)', (r) => fmt(r.rssPeakMB));
  line('  then: V8 heap used/committed (MB)', (r) => `${fmt(r.atPeak.heapUsedMB)}/${fmt(r.atPeak.heapTotalMB)}`);
  line('  then: external (MB)', (r) => fmt(r.atPeak.externalMB));
  line('event-loop delay p99, submit (ms)', (r) => fmt(r.loopSubmit.p99));
  line('event-loop delay p50, follow (ms)', (r) => fmt(r.loopFollow.p50));
  line('event-loop delay p99, follow (ms)', (r) => fmt(r.loopFollow.p99));
  line('event-loop delay max, follow (ms)', (r) => fmt(r.loopFollow.max));
  line('fake Oxen event-loop delay p99/max (ms)', (r) => `${fmt(r.fakeLoop.p99)}/${fmt(r.fakeLoop.max)}`);
  line('status edits', (r) => String(r.statusEdits));
  line('errors', (r) => String(r.errors));
  for (const r of results) for (const e of r.errorSample) console.log(`  ${r.mode} error: ${e}`);

  const verdict = (value: number, target: number) => (value <= target ? 'met' : `missed by ${fmt(value - target, 2)}`);
  console.log('\nagainst main before this change (issue 10) and the targets');
  console.log(`${''.padEnd(40)}${'before'.padStart(14)}${results.filter((r) => r.mode !== 'baseline').map((r) => r.mode.padStart(14)).join('')}${'target'.padStart(10)}`);
  const compare = (label: string, before: number | string, f: (r: RunResult) => number, target?: number, digits = 2) => {
    const runs = results.filter((r) => r.mode !== 'baseline');
    const cells = runs.map((r) => fmt(f(r), digits).padStart(14)).join('');
    const verdicts = target === undefined ? '' : `   ${runs.map((r) => `${r.mode}: ${verdict(f(r), target)}`).join('; ')}`;
    console.log(`${label.padEnd(40)}${String(before).padStart(14)}${cells}${(target === undefined ? '' : String(target)).padStart(10)}${verdicts}`);
  };
  compare('Oxen requests per job, all', BEFORE.allRequestsPerJob, (r) => r.allRequests / r.jobs, TARGET.allRequestsPerJob, 3);
  compare('  API only (no result download)', BEFORE.requestsPerJob, (r) => r.apiRequests / r.jobs, undefined, 3);
  compare('completion->upload p99 (ms)', BEFORE.p99Ms, (r) => r.latency.p99, TARGET.p99Ms, 1);
  compare('peak RSS (MB)', BEFORE.rssMB, (r) => r.rssPeakMB, TARGET.rssMB, 1);
}

const mode = process.argv[2] as Mode | undefined;
if (mode === 'engine' || mode === 'engine-10min' || mode === 'baseline') {
  const result = await run(mode);
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result, null, 2));
  process.exit(0);
} else {
  const all: Mode[] = ['engine', 'engine-10min', ...(process.env.BENCH_NAIVE === '1' ? (['baseline'] as const) : [])];
  const named = process.env.BENCH_RUNS?.split(',').map((m) => m.trim());
  const modes = named ? all.filter((m) => named.includes(m)) : all;
  const compiled = await compiledBench(new URL(import.meta.url));
  const results: RunResult[] = [];
  for (const m of modes) results.push(await runChild(compiled, m));
  print(results);
}
