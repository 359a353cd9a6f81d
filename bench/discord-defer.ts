/**
 * Discord defer benchmark: from an interaction's dispatch on the fake gateway to its defer
 * callback arriving at the fake REST, at 50 `/video` interactions per second for 20 s, with 1,000
 * jobs already in flight. The real discord.js Client and adapter, the real core (production
 * engine settings, SQLite store), the fake Oxen in its own process (manual timing: jobs stay in
 * flight), the fake Discord in this process. Discord's deadline is 3 s; the goal is p99 < 100 ms.
 *
 *   npm run bench:discord
 *   BENCH_RATE=50 BENCH_SECONDS=20 BENCH_INFLIGHT=1000 npm run bench:discord
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeClaims } from '../src/core/claims.js';
import { DEFAULT_ENGINE_SETTINGS } from '../src/core/jobs/engine.js';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import type { Logger } from '../src/core/log.js';
import { DEFAULT_OPTIONS } from '../src/core/request.js';
import { createDiscordAdapter } from '../src/discord/index.js';
import { slashCommand, startFakeDiscord } from '../test/fakes/discord/index.js';
import { startCore } from '../test/helpers/harness.js';
import { clock, fmt, mb, percentile, pool, Sampler, sleep, startFakeProcess } from './lib.js';

const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 20);
const IN_FLIGHT = Number(process.env.BENCH_INFLIGHT ?? 1_000);

const errors: string[] = [];
const counting: Logger = {
  debug() {},
  info() {},
  warn: (event) => void errors.push(`warn ${event}`),
  error: (event) => void errors.push(`error ${event}`),
  child: () => counting,
};

async function main() {
  const sampler = new Sampler();
  const oxen = await startFakeProcess();
  const discord = await startFakeDiscord({ record: false });
  const dir = mkdtempSync(join(tmpdir(), 'seedance-bench-discord-'));
  const store = new SqliteJobStore(dir);
  const adapter = createDiscordAdapter({ token: discord.token, applicationId: discord.applicationId, apiUrl: discord.url, messageContentIntent: false }, { log: counting });
  const core = await startCore({ fake: oxen, store, port: adapter.port, engine: DEFAULT_ENGINE_SETTINGS, service: { perUserLimit: 2 } });
  await adapter.start({ service: core.service, log: counting, claims: storeClaims(store) });

  // 1. Jobs in flight: each posts its status message and thread through the adapter's port.
  const setupStart = clock();
  let preloaded = 0;
  await pool(IN_FLIGHT, 64, async (i) => {
    const result = await core.service.submit({
      request: { prompt: `in flight ${i}: a lighthouse in a storm`, options: DEFAULT_OPTIONS },
      attachments: [],
      requester: { platform: 'discord', userId: `90000${i}`, scopeId: discord.guildId },
      destination: { platform: 'discord', channelId: discord.channelId },
    });
    if (result.ok) preloaded++;
    else errors.push(`preload ${result.problems.map((p) => p.code).join(',')}`);
  });
  const setupSec = (clock() - setupStart) / 1000;
  await sleep(1_000);

  // 2. The load: RATE interactions per second for SECONDS, each from a different person.
  const sentAt = new Map<string, number>();
  const latency: number[] = [];
  const badCallbacks: number[] = [];
  discord.onCall = (call) => {
    if (call.route !== 'interactionCallback') return;
    const id = call.path.split('/')[2]!;
    const at = sentAt.get(id);
    if (at === undefined) return;
    if (call.status >= 300) badCallbacks.push(call.status);
    else latency.push(clock() - at);
    sentAt.delete(id);
  };
  sampler.resetLoop();
  const total = RATE * SECONDS;
  const loadStart = clock();
  for (let i = 0; i < total; i++) {
    const due = loadStart + (i * 1000) / RATE;
    const wait = due - clock();
    if (wait > 0) await sleep(wait);
    const user = { id: `80000${i}`, username: `bench${i}` };
    const payload = slashCommand(discord.context(user), 'video', [{ name: 'prompt', type: 3, value: `bench ${i}: a fox in snow` }]);
    sentAt.set(payload.id, clock());
    void discord.dispatchInteraction(payload);
  }
  const sendSec = (clock() - loadStart) / 1000;
  const until = clock() + 10_000;
  while (sentAt.size > 0 && clock() < until) await sleep(50);
  const loop = sampler.loop();

  const result = {
    interactions: total,
    ratePerSec: RATE,
    sendSec: Number(fmt(sendSec, 2)),
    inFlightBefore: preloaded,
    setupSec: Number(fmt(setupSec, 1)),
    deferMs: { p50: Number(fmt(percentile(latency, 50), 2)), p99: Number(fmt(percentile(latency, 99), 2)), max: Number(fmt(Math.max(...latency), 2)) },
    deferred: latency.length,
    missing: sentAt.size,
    badCallbacks: badCallbacks.length,
    over3s: latency.filter((l) => l >= 3_000).length,
    errors: errors.length + core.errors.length,
    errorSample: [...errors, ...core.errors.map((e) => `${e.step} ${e.error instanceof Error ? e.error.message : String(e.error)}`)].slice(0, 5),
    loopDelayMs: { p50: Number(fmt(loop.p50, 1)), p99: Number(fmt(loop.p99, 1)), max: Number(fmt(loop.max, 1)) },
    rssPeakMB: Number(fmt(mb(sampler.rssPeak), 0)),
  };
  console.log(JSON.stringify(result, null, 2));
  console.log(
    `\ndefer latency over ${result.deferred}/${total} interactions at ${RATE}/s with ${preloaded} jobs in flight: ` +
      `p50 ${result.deferMs.p50} ms, p99 ${result.deferMs.p99} ms, max ${result.deferMs.max} ms; ` +
      `${result.missing} unanswered, ${result.badCallbacks} refused, ${result.errors} errors (goal: p99 < 100 ms, deadline 3 s)`,
  );

  sampler.stop();
  adapter.stopAccepting();
  await Promise.race([Promise.all([adapter.close(), core.stop()]), sleep(10_000)]);
  await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
  await oxen.close();
  await discord.close();
  process.exit(0);
}

await main();
