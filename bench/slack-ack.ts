/**
 * Slack acknowledgement benchmark: signed `/video` commands at 100 per second for 20 s against
 * Bolt's HTTP receiver as the bot mounts it (adapter.httpRoute on a node:http server), with 1,000
 * jobs already in flight in the real engine (SQLite store, production engine settings, the fake
 * Oxen in its own process, holding every generation at `queued`), and every command becoming a
 * job too. Then the same load against a bare Bolt app whose handler only acks. "Slack" (the fake
 * Web API and the load generator) runs in its own process; each side runs in a fresh process.
 * Prints ack latency p50/p99/max for both and the ratio. The deadline is 3 s; the goal is a p99
 * under 100 ms and within 1.5x of the bare app.
 *
 *   npm run bench:slack
 *   BENCH_RATE=50 BENCH_SECONDS=10 BENCH_INFLIGHT=200 npm run bench:slack
 *   tsx bench/slack-ack.ts bot        # one side only (prints JSON)
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, HTTPReceiver } from '@slack/bolt';
import { storeClaims } from '../src/core/claims.js';
import { DEFAULT_ENGINE_SETTINGS, JobEngine } from '../src/core/jobs/engine.js';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import { silentLogger } from '../src/core/log.js';
import { ModelSchemas } from '../src/core/models/schemas.js';
import { OxenClient } from '../src/core/oxen/client.js';
import { DEFAULT_OPTIONS } from '../src/core/request.js';
import { SelfReferenceHost } from '../src/core/references/self-host.js';
import { VideoService } from '../src/core/service.js';
import { SlackAdapter } from '../src/slack/index.js';
import { boltLogger } from '../src/slack/bolt-logger.js';
import { clock, fmt, mb, percentile, pool, Sampler, sleep, startFakeProcess } from './lib.js';
import type { SlackSideAnswer, SlackSideRequest } from './slack-side-process.js';

const RATE = Number(process.env.BENCH_RATE ?? 100);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const IN_FLIGHT = Number(process.env.BENCH_INFLIGHT ?? 1_000);
const CHANNELS = 200;
const SECRET = 'bench-signing-secret';

type Mode = 'bot' | 'bare';

interface RunResult {
  mode: Mode;
  requests: number;
  statuses: Record<string, number>;
  ack: { p50: number; p90: number; p99: number; max: number };
  sendLagMs: number;
  inFlightBefore: number;
  jobsAfter: number;
  slackCalls: Record<string, number>;
  loop: { p50: number; p99: number; max: number };
  rssPeakMB: number;
  errors: string[];
}

async function startSlackSide(): Promise<{ child: ChildProcess; ready: Extract<SlackSideAnswer, { type: 'ready' }>; next(): Promise<SlackSideAnswer> }> {
  const child = fork(new URL('./slack-side-process.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const waiters: ((m: SlackSideAnswer) => void)[] = [];
  child.on('message', (m: SlackSideAnswer) => waiters.shift()?.(m));
  const next = () => new Promise<SlackSideAnswer>((resolve) => waiters.push(resolve));
  const ready = (await next()) as Extract<SlackSideAnswer, { type: 'ready' }>;
  return { child, ready, next };
}

async function run(mode: Mode): Promise<RunResult> {
  const sampler = new Sampler();
  const slackSide = await startSlackSide();
  const errors: string[] = [];
  let listener: RequestListener;
  let stop: () => Promise<void>;
  let jobs = () => 0;
  let inFlightBefore = 0;

  if (mode === 'bot') {
    const fake = await startFakeProcess();
    const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-slack-'));
    const store = new SqliteJobStore(dir);
    const oxen = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
    const schemas = new ModelSchemas(oxen);
    const host = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com' });
    const adapter = new SlackAdapter({ botToken: slackSide.ready.botToken, signingSecret: SECRET, apiUrl: slackSide.ready.url }, { log: silentLogger });
    const ports = new Map([[adapter.port.platform, adapter.port]]);
    const engine = new JobEngine(
      { store, oxen, host, ports, relaunch: VideoService.relaunch(schemas, host.files), onError: (error, { step }) => errors.length < 20 && errors.push(`${step}: ${(error as Error).message}`) },
      { ...DEFAULT_ENGINE_SETTINGS, globalLimit: 10_000 },
    );
    const service = new VideoService({ store, schemas, engine, ports, references: host.files }, { perUserLimit: 10 });
    await engine.start();
    await adapter.start({ service, log: silentLogger, claims: storeClaims(store) });

    // 1,000 jobs in flight first, held at Oxen's `queued`.
    const t0 = clock();
    await pool(IN_FLIGHT, 32, async (i) => {
      const result = await service.submit({
        request: { prompt: `in flight ${i}: waves on a pier`, options: DEFAULT_OPTIONS },
        attachments: [],
        requester: { platform: 'slack', userId: `UF${i}`, scopeId: 'T1' },
        destination: { platform: 'slack', channelId: `C${i % CHANNELS}` },
      });
      if (!result.ok && errors.length < 20) errors.push(`preload: ${JSON.stringify(result.problems)}`);
    });
    for (let s = await fake.stats(); s.generations < IN_FLIGHT && clock() - t0 < 120_000; s = await fake.stats()) await sleep(100);
    inFlightBefore = (await fake.stats()).generations;
    console.error(`[bot] ${inFlightBefore} jobs in flight after ${fmt((clock() - t0) / 1000)} s`);
    listener = (req, res) => void adapter.httpRoute!(req, res);
    jobs = () => engine.trackedCount;
    stop = async () => {
      adapter.stopAccepting();
      await engine.stop();
      await adapter.close();
      host.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
      await fake.close();
    };
  } else {
    const receiver = new HTTPReceiver({ signingSecret: SECRET, logger: boltLogger(silentLogger) });
    const app = new App({ token: slackSide.ready.botToken, receiver, clientOptions: { slackApiUrl: slackSide.ready.url }, logger: boltLogger(silentLogger), deferInitialization: true });
    app.command('/video', async ({ ack }) => {
      await ack();
    });
    await app.init();
    listener = (req, res) => receiver.requestListener(req, res);
    stop = async () => undefined;
  }

  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  sampler.resetLoop();
  const loaded = slackSide.next();
  slackSide.child.send({ type: 'load', url, secret: SECRET, rate: RATE, seconds: SECONDS, channels: CHANNELS } satisfies SlackSideRequest);
  const result = (await loaded) as Extract<SlackSideAnswer, { type: 'loaded' }>;
  const loop = sampler.loop();
  // Let the last submissions land (every command becomes a job) before counting and stopping.
  const expected = inFlightBefore + result.latencies.length;
  for (let waited = 0; mode === 'bot' && jobs() < expected && waited < 30_000; waited += 100) await sleep(100);
  const jobsAfter = jobs();

  server.closeAllConnections();
  server.close();
  await stop();
  slackSide.child.send({ type: 'close' } satisfies SlackSideRequest);
  sampler.stop();
  const l = result.latencies;
  return {
    mode,
    requests: l.length,
    statuses: result.statuses,
    ack: { p50: percentile(l, 50), p90: percentile(l, 90), p99: percentile(l, 99), max: Math.max(...l) },
    sendLagMs: result.sendLagMs,
    inFlightBefore,
    jobsAfter,
    slackCalls: result.calls,
    loop,
    rssPeakMB: mb(sampler.rssPeak),
    errors: [...errors, ...result.errors].slice(0, 10),
  };
}

async function runInChild(mode: Mode): Promise<RunResult> {
  const child = fork(new URL(import.meta.url), [mode], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  let out = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  await new Promise<void>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${mode} exited with ${code}`)))));
  return JSON.parse(out) as RunResult;
}

const mode = process.argv[2] as Mode | undefined;
if (mode) {
  const result = await run(mode);
  console.log(JSON.stringify(result));
  process.exit(0);
} else {
  console.error(`Slack ack benchmark: ${RATE} signed /video per second for ${SECONDS} s, ${IN_FLIGHT} jobs in flight (bot side)`);
  const bot = await runInChild('bot');
  const bare = await runInChild('bare');
  const row = (r: RunResult) =>
    `${r.mode.padEnd(5)} ${String(r.requests).padStart(6)}  ${fmt(r.ack.p50, 2).padStart(7)}  ${fmt(r.ack.p90, 2).padStart(7)}  ${fmt(r.ack.p99, 2).padStart(7)}  ${fmt(r.ack.max, 1).padStart(7)}  ${JSON.stringify(r.statuses).padEnd(12)}  loop p99 ${fmt(r.loop.p99)} ms  rss ${fmt(r.rssPeakMB, 0)} MB`;
  console.log('mode  requests  p50 ms   p90 ms   p99 ms   max ms  statuses');
  console.log(row(bot));
  console.log(row(bare));
  console.log(`ratio bot/bare: p50 ${fmt(bot.ack.p50 / bare.ack.p50, 2)}x, p99 ${fmt(bot.ack.p99 / bare.ack.p99, 2)}x`);
  console.log(`bot: ${bot.inFlightBefore} jobs in flight before the load, ${bot.jobsAfter} tracked after; Slack calls ${JSON.stringify(bot.slackCalls)}; generator send lag max ${fmt(bot.sendLagMs)} ms`);
  console.log(`goal: p99 < 100 ms (${bot.ack.p99 < 100 ? 'met' : 'NOT met'}), within 1.5x of bare (${bot.ack.p99 <= 1.5 * bare.ack.p99 ? 'met' : 'NOT met'})`);
  if (bot.errors.length > 0) console.log(`errors: ${bot.errors.join(' | ')}`);
}
