/**
 * Load benchmark: N jobs (default 10,000) in flight against the fake Oxen (in its own process),
 * completing uniformly over a window of fake time (default 150 s), once through the real
 * VideoService + JobEngine (production poll settings, SQLite store) and once through a baseline
 * that polls every job every 5 s. Prints requests per job, completion-to-upload latency, peak RSS
 * and event-loop delay, and the ratios.
 *
 *   npm run bench:engine                 # both, each in a fresh process
 *   BENCH_JOBS=2000 BENCH_SPREAD_S=60 npm run bench:engine
 *   tsx bench/engine-load.ts engine      # one side only (prints JSON)
 */
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ENGINE_SETTINGS, JobEngine } from '../src/core/jobs/engine.js';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import { ModelSchemas } from '../src/core/models/schemas.js';
import { OxenClient } from '../src/core/oxen/client.js';
import { SelfReferenceHost } from '../src/core/references/self-host.js';
import { VideoService } from '../src/core/service.js';
import { PollingTracker } from './baseline-tracker.js';
import { clock, CountingPort, fmt, mb, percentile, pool, Sampler, sleep, startFakeProcess, textRequest } from './lib.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const SPREAD_MS = Number(process.env.BENCH_SPREAD_S ?? 150) * 1000;
const DELAY_MS = 5_000;
const USERS = Math.max(1, Math.floor(JOBS / 4)); // 4 jobs per person
const SUBMIT_CONCURRENCY = 64;

type Mode = 'engine' | 'baseline';

interface RunResult {
  mode: Mode;
  jobs: number;
  submitted: number;
  uploaded: number;
  submitSec: number;
  followSec: number;
  counts: Record<string, number>;
  apiRequests: number;
  latency: { p50: number; p99: number; max: number };
  rssPeakMB: number;
  loopSubmit: { p50: number; p99: number; max: number };
  loopFollow: { p50: number; p99: number; max: number };
  statusEdits: number;
  errors: number;
  errorSample: string[];
}

async function run(mode: Mode): Promise<RunResult> {
  const sampler = new Sampler();
  const fake = await startFakeProcess();
  const port = new CountingPort();
  const oxen = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
  const errors: string[] = [];
  const note = (error: unknown, step = '') => errors.push(`${step} ${error instanceof Error ? error.message : String(error)}`.trim());
  let stop: () => Promise<void>;
  let submitOne: (i: number) => Promise<void>;
  let settled: () => boolean = () => true;

  if (mode === 'engine') {
    const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-'));
    const store = new SqliteJobStore(dir);
    const schemas = new ModelSchemas(oxen);
    const host = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com' });
    const ports = new Map([[port.platform, port]]);
    const engine = new JobEngine(
      { store, oxen, host, ports, relaunch: VideoService.relaunch(schemas, host.files), onError: (error, { step }) => note(error, step) },
      { ...DEFAULT_ENGINE_SETTINGS, globalLimit: 10_000 },
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
  for (let s = await fake.stats(); s.generations < JOBS && clock() - t0 < 120_000; s = await fake.stats()) await sleep(100);
  const submitSec = (clock() - t0) / 1000;
  const loopSubmit = sampler.loop();
  sampler.resetLoop();
  const scheduled = await fake.schedule(DELAY_MS, SPREAD_MS);
  console.error(`[${mode}] ${scheduled} generations at Oxen after ${fmt(submitSec)} s; completing over ${SPREAD_MS / 1000} s`);

  const t1 = clock();
  const deadline = t1 + DELAY_MS + SPREAD_MS + 180_000;
  let lastLog = t1;
  while (port.uploadedAt.size < scheduled && clock() < deadline) {
    await sleep(200);
    if (clock() - lastLog > 15_000) {
      lastLog = clock();
      console.error(`[${mode}] t+${fmt((lastLog - t1) / 1000, 0)} s: ${port.uploadedAt.size} uploaded, rss ${fmt(mb(process.memoryUsage().rss), 0)} MB`);
    }
  }
  const followSec = (clock() - t1) / 1000;
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
  const apiRequests = Object.entries(stats.counts).reduce((sum, [route, n]) => (route === 'resultFile' ? sum : sum + n), 0);
  return {
    mode,
    jobs: JOBS,
    submitted: stats.generations,
    uploaded: port.uploadedAt.size,
    submitSec,
    followSec,
    counts: stats.counts,
    apiRequests,
    latency: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: percentile(latencies, 100) },
    rssPeakMB: mb(sampler.rssPeak),
    loopSubmit,
    loopFollow,
    statusEdits: port.statusEdits,
    errors: errors.length,
    errorSample: [...new Set(errors)].slice(0, 5),
  };
}

function runChild(mode: Mode): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = fork(new URL(import.meta.url), [mode], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let result: RunResult | undefined;
    child.on('message', (m: RunResult) => (result = m));
    child.on('exit', (code) => (result ? resolve(result) : reject(new Error(`${mode} run exited with ${code}`))));
  });
}

function print(results: RunResult[]): void {
  const line = (label: string, f: (r: RunResult) => string) => console.log(`${label.padEnd(40)}${results.map((r) => f(r).padStart(14)).join('')}`);
  console.log(`\n${JOBS} text jobs, ${USERS} users, completions uniform over ${SPREAD_MS / 1000} s (starting ${DELAY_MS / 1000} s after all are at Oxen)`);
  console.log(`engine: DEFAULT_ENGINE_SETTINGS (pollMin 15 s, pollMax 120 s, tick 1 s), globalLimit 10000, SQLite store; baseline: GET every 5 s per job\n`);
  line('', (r) => r.mode);
  line('jobs at Oxen / uploaded', (r) => `${r.submitted}/${r.uploaded}`);
  line('submit phase (s)', (r) => fmt(r.submitSec));
  line('follow phase (s)', (r) => fmt(r.followSec));
  const routes = [...new Set(results.flatMap((r) => Object.keys(r.counts)))].sort();
  for (const route of routes) line(`  requests ${route}`, (r) => String(r.counts[route] ?? 0));
  line('Oxen API requests per job', (r) => fmt(r.apiRequests / r.jobs, 2));
  line('  GET /api/ai/queue/{id} per job', (r) => fmt((r.counts['getGeneration'] ?? 0) / r.jobs, 2));
  line('completion->upload latency p50 (ms)', (r) => fmt(r.latency.p50));
  line('completion->upload latency p99 (ms)', (r) => fmt(r.latency.p99));
  line('completion->upload latency max (ms)', (r) => fmt(r.latency.max));
  line('peak RSS (MB)', (r) => fmt(r.rssPeakMB));
  line('event-loop delay p99, submit (ms)', (r) => fmt(r.loopSubmit.p99));
  line('event-loop delay p50, follow (ms)', (r) => fmt(r.loopFollow.p50));
  line('event-loop delay p99, follow (ms)', (r) => fmt(r.loopFollow.p99));
  line('event-loop delay max, follow (ms)', (r) => fmt(r.loopFollow.max));
  line('status edits', (r) => String(r.statusEdits));
  line('errors', (r) => String(r.errors));
  for (const r of results) for (const e of r.errorSample) console.log(`  ${r.mode} error: ${e}`);
  const [engine, baseline] = results;
  if (engine && baseline) {
    const ratio = (a: number, b: number) => `${fmt(a / b, 3)}x`;
    console.log('\nengine / baseline');
    console.log(`  requests per job        ${ratio(engine.apiRequests, baseline.apiRequests)}`);
    console.log(`  latency p50             ${ratio(engine.latency.p50, baseline.latency.p50)}`);
    console.log(`  latency p99             ${ratio(engine.latency.p99, baseline.latency.p99)}`);
    console.log(`  peak RSS                ${ratio(engine.rssPeakMB, baseline.rssPeakMB)}`);
    console.log(`  loop delay p99 (follow) ${ratio(engine.loopFollow.p99, baseline.loopFollow.p99)}`);
  }
}

const mode = process.argv[2] as Mode | undefined;
if (mode === 'engine' || mode === 'baseline') {
  const result = await run(mode);
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result, null, 2));
  process.exit(0);
} else {
  const results = [await runChild('engine'), await runChild('baseline')];
  print(results);
}
