/**
 * Restart benchmark: N active jobs (default 10,000) in the store, each running at the fake Oxen
 * (in its own process, where they stay queued, enqueued with the bot's tag as the engine does),
 * then a fresh engine on the same store. Prints the time until every job is tracked again
 * (engine.trackedCount = N) and until every job has been reconciled (a safety-net round has
 * checked all N generations), and the Oxen requests that took, next to main before the safety
 * net became one listing (issue 10: one GET per job, 10,000). SQLite always; Redis too when
 * 127.0.0.1:6379 answers (unique key prefix, deleted afterwards).
 *
 *   npm run bench:restart
 *   BENCH_JOBS=2000 BENCH_REDIS=0 npm run bench:restart
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { budgetDay } from '../src/core/jobs/budget.js';
import { DEFAULT_ENGINE_SETTINGS, JobEngine } from '../src/core/jobs/engine.js';
import { newJobId, type JobRecord } from '../src/core/jobs/job.js';
import { enqueueTag } from '../src/core/jobs/launch.js';
import { RedisJobStore } from '../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../src/core/jobs/store.js';
import { modelFor } from '../src/core/models/catalog.js';
import { ModelSchemas } from '../src/core/models/schemas.js';
import { OxenClient } from '../src/core/oxen/client.js';
import { SelfReferenceHost } from '../src/core/references/self-host.js';
import { DEFAULT_OPTIONS } from '../src/core/request.js';
import { VideoService } from '../src/core/service.js';
import { dropRedisPrefix, REDIS_URL } from '../test/helpers/redis.js';
import { clock, CountingPort, fmt, mb, pool, Sampler, sleep, startFakeProcess, type FakeProcess } from './lib.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 10_000);
const USERS = Math.max(1, Math.floor(JOBS / 4));
/** main before this change (issue 10): one GET per job. */
const BEFORE_REQUESTS = 10_000;
const TARGET_REQUESTS = 10;

interface StoreKind {
  name: string;
  open(): JobStore;
  cleanup(): Promise<void>;
}

async function seed(store: JobStore, oxen: OxenClient): Promise<void> {
  const model = modelFor('fast', 'text').id;
  const now = Date.now();
  await pool(JOBS, 64, async (i) => {
    const prompt = `restart bench ${i}`;
    // Six characters: at 10,000 jobs two draws meet in about one run in twenty; the bot draws again too.
    let id = newJobId();
    while (await store.get(id)) id = newJobId();
    const [generationId] = await oxen.enqueue({ model, prompt, num_generations: 1, ...enqueueTag(DEFAULT_ENGINE_SETTINGS.tagRepo, { id, attempts: 1 }) });
    const job: JobRecord = {
      id,
      state: 'running',
      requester: { platform: 'discord', userId: `user-${i % USERS}`, scopeId: `guild-${i % 50}` },
      destination: { platform: 'discord', channelId: `channel-${i % 200}`, statusMessageId: `status-${i}`, threadId: `thread-${i}` },
      request: { prompt, options: DEFAULT_OPTIONS },
      modelId: model,
      body: { model, prompt, num_generations: 1 },
      references: [],
      generations: [{ id: generationId!, status: 'queued', delivery: 'pending' }],
      reservation: { day: budgetDay(now), videoSeconds: 5, settled: false },
      createdAt: now,
      updatedAt: now,
      submittedAt: now,
      attempts: 1,
    };
    if (!(await store.create(job))) throw new Error(`job id ${id} taken while seeding`);
  });
}

async function measure(kind: StoreKind, fake: FakeProcess) {
  const oxen = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
  const seedStore = kind.open();
  const seedStart = clock();
  await seed(seedStore, oxen);
  const active = (await seedStore.activeIds()).length;
  await seedStore.close();
  const seedSec = (clock() - seedStart) / 1000;
  console.error(`[${kind.name}] seeded ${active} active jobs in ${fmt(seedSec)} s`);

  const sampler = new Sampler();
  const lookups = async () => {
    const { counts } = await fake.stats();
    return { listings: counts['listQueue'] ?? 0, gets: counts['getGeneration'] ?? 0 };
  };
  const before = await lookups();
  const store = kind.open();
  const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
  const rounds: { at: number; generations: number; requests: number }[] = [];
  const port = new CountingPort();
  const schemas = new ModelSchemas(client);
  const host = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com' });
  const ports = new Map([[port.platform, port]]);
  const errors: string[] = [];
  const engine = new JobEngine(
    { store, oxen: client, host, ports, relaunch: VideoService.relaunch(schemas, host.files), onError: (error, { step }) => errors.push(`${step}: ${error instanceof Error ? error.message : String(error)}`), onSweep: (report) => rounds.push({ at: clock(), ...report }) },
    { ...DEFAULT_ENGINE_SETTINGS, globalLimit: 10_000 },
  );

  const t0 = clock();
  await engine.start();
  const startSec = (clock() - t0) / 1000;
  let trackedSec = engine.trackedCount >= JOBS ? startSec : NaN;
  while (engine.trackedCount < JOBS && clock() - t0 < 120_000) await sleep(5);
  if (Number.isNaN(trackedSec)) trackedSec = (clock() - t0) / 1000;
  const tracked = engine.trackedCount;
  const full = () => rounds.find((r) => r.generations >= JOBS);
  while (!full() && clock() - t0 < 180_000) await sleep(5);
  const round = full();
  const after = await lookups();
  const reconciledSec = round ? (round.at - t0) / 1000 : NaN;
  const loop = sampler.loop();
  const rss = mb(sampler.rssPeak);
  sampler.stop();
  await engine.stop();
  host.close();
  await store.close();
  await kind.cleanup();
  return {
    store: kind.name,
    active,
    seedSec,
    startSec,
    tracked,
    trackedSec,
    reconciled: round?.generations ?? 0,
    reconciledSec,
    rounds: rounds.filter((r) => !round || r.at <= round.at).length,
    listings: after.listings - before.listings,
    gets: after.gets - before.gets,
    statusEdits: port.statusEdits,
    rssPeakMB: rss,
    loop,
    errors: errors.length,
    errorSample: [...new Set(errors)].slice(0, 3),
  };
}

async function redisUp(): Promise<boolean> {
  if (process.env.BENCH_REDIS === '0') return false;
  return new Promise((resolve) => {
    const socket = connect(6379, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });
}

const kinds: StoreKind[] = [];
const dir = mkdtempSync(join(tmpdir(), 'seedance-restart-'));
kinds.push({ name: 'sqlite', open: () => new SqliteJobStore(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) });
if (await redisUp()) {
  const prefix = `bench-restart-${randomUUID()}`;
  kinds.push({ name: 'redis', open: () => new RedisJobStore(REDIS_URL, prefix), cleanup: () => dropRedisPrefix(prefix) });
}

const results: Awaited<ReturnType<typeof measure>>[] = [];
for (const kind of kinds) {
  const fake = await startFakeProcess();
  try {
    results.push(await measure(kind, fake));
  } finally {
    await fake.close();
  }
}

console.log(`\n${JOBS} running jobs in the store, fresh engine (DEFAULT_ENGINE_SETTINGS: tick 1 s, globalLimit 10000)\n`);
const line = (label: string, f: (r: Awaited<ReturnType<typeof measure>>) => string) => console.log(`${label.padEnd(44)}${results.map((r) => f(r).padStart(12)).join('')}`);
line('', (r) => r.store);
line('active jobs seeded (seeding s, not timed)', (r) => `${r.active} (${fmt(r.seedSec, 0)})`);
line('engine.start() resolved (s)', (r) => fmt(r.startSec, 2));
line('all tracked (trackedCount = N) (s)', (r) => `${fmt(r.trackedSec, 2)}`);
line('tracked', (r) => String(r.tracked));
line('all reconciled (a safety-net round) (s)', (r) => fmt(r.reconciledSec, 2));
line('generations reconciled', (r) => String(r.reconciled));
line('safety-net rounds until then', (r) => String(r.rounds));
line('GET /api/ai/queue (listings) in the window', (r) => String(r.listings));
line('GET /api/ai/queue/{id} in the window', (r) => String(r.gets));
line('Oxen requests to reconcile', (r) => String(r.listings + r.gets));
line('  main before (issue 10) / target', () => `${BEFORE_REQUESTS} / ${TARGET_REQUESTS}`);
line('  target met', (r) => (r.listings + r.gets <= TARGET_REQUESTS ? 'yes' : `no (+${r.listings + r.gets - TARGET_REQUESTS})`));
line('status edits in the window', (r) => String(r.statusEdits));
line('peak RSS (MB)', (r) => fmt(r.rssPeakMB));
line('event-loop delay p99 (ms, beyond 10 ms)', (r) => fmt(r.loop.p99));
line('event-loop delay max (ms)', (r) => fmt(r.loop.max));
line('errors', (r) => String(r.errors));
for (const r of results) for (const e of r.errorSample) console.log(`  ${r.store} error: ${e}`);
process.exit(0);
