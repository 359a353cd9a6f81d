/**
 * Shards benchmark: one replica holding several shards (the embedded store's case: every shard in
 * this process, one discord.js Client each, as src/discord/shards/ runs them). The fake Discord
 * runs in a child process with BENCH_GUILDS servers spread over BENCH_SHARDS shards and floods
 * MESSAGE_CREATE events (BENCH_PER_GUILD per server, not mentioning the bot). Prints the gateway
 * event throughput (events turned into discord.js messages per second, in all and per shard) and
 * the resident memory per shard: after connecting (guild caches filled) and after the flood.
 *
 *   npm run bench:shards
 *   BENCH_SHARDS=8 BENCH_GUILDS=800 BENCH_PER_GUILD=50 npm run bench:shards
 */
import { fork } from 'node:child_process';
import { Events, GatewayIntentBits, Options } from 'discord.js';
import type { Logger } from '../src/core/log.js';
import { makeRequest } from '../src/discord/rest.js';
import { GatewayShards } from '../src/discord/shards/gateway-shards.js';
import { REST } from 'discord.js';
import type { FakeDiscordReply, FakeDiscordRequest } from './fake-discord-process.js';
import { clock, fmt, mb, sleep } from './lib.js';

const SHARDS = Number(process.env['BENCH_SHARDS'] ?? 4);
const GUILDS = Number(process.env['BENCH_GUILDS'] ?? 400);
const PER_GUILD = Number(process.env['BENCH_PER_GUILD'] ?? 50);

const warnings: string[] = [];
const log: Logger = { debug() {}, info() {}, warn: (event) => void warnings.push(event), error: (event) => void warnings.push(event), child: () => log };

/** Resident memory after a collection when `--expose-gc` is on (settled either way). */
async function rss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await sleep(100);
  }
  return process.memoryUsage().rss;
}

async function main() {
  const child = fork(new URL('./fake-discord-process.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_GUILDS: String(GUILDS), BENCH_SHARDS: String(SHARDS) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: FakeDiscordReply[] = [];
  let wake: (() => void) | undefined;
  child.on('message', (m: FakeDiscordReply) => (replies.push(m), wake?.()));
  const next = async <T extends FakeDiscordReply['type']>(type: T): Promise<Extract<FakeDiscordReply, { type: T }>> => {
    while (!replies.some((r) => r.type === type)) await new Promise<void>((resolve) => (wake = resolve));
    return replies.splice(replies.findIndex((r) => r.type === type), 1)[0] as Extract<FakeDiscordReply, { type: T }>;
  };
  const fake = await next('ready');

  const perShard = new Map<number, number>();
  let total = 0;
  const baseline = await rss();
  const rest = new REST({ api: fake.url, makeRequest }).setToken(fake.token);
  const gateway = new GatewayShards({
    rest,
    token: fake.token,
    clientOptions: {
      intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages],
      rest: { api: fake.url, makeRequest },
      makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 20 }),
    },
    attach: (client) =>
      client.on(Events.MessageCreate, (message) => {
        total++;
        const shard = message.guild?.shardId ?? -1;
        perShard.set(shard, (perShard.get(shard) ?? 0) + 1);
      }),
    log,
    owner: 'bench',
    settings: { ttlMs: 20_000, renewMs: 5_000, identifyWindowMs: 5_500, identifyPollMs: 50 },
  });
  const connectStart = clock();
  await gateway.start(60_000);
  const connectMs = clock() - connectStart;
  const connected = await rss();

  const expected = GUILDS * PER_GUILD;
  const floodStart = clock();
  child.send({ type: 'flood', perGuild: PER_GUILD } satisfies FakeDiscordRequest);
  while (total < expected && clock() - floodStart < 300_000) await sleep(20);
  const floodMs = clock() - floodStart;
  const flooded = await rss();

  const held = gateway.states();
  console.log(`shards: ${held.length} in this process (${held.filter((s) => s.connected).length} connected), ${GUILDS} servers, connected in ${fmt(connectMs, 0)} ms`);
  console.log(`gateway events: ${total} of ${expected} in ${fmt(floodMs / 1000, 2)} s = ${fmt(total / (floodMs / 1000), 0)} events/s in all`);
  for (const s of held) console.log(`  shard ${s.id}: ${perShard.get(s.id) ?? 0} events, ${fmt((perShard.get(s.id) ?? 0) / (floodMs / 1000), 0)} events/s`);
  console.log(`RSS: ${fmt(mb(baseline))} MB before connecting; ${fmt(mb(connected))} MB connected (+${fmt(mb(connected - baseline) / held.length, 2)} MB per shard); ${fmt(mb(flooded))} MB after the flood (+${fmt(mb(flooded - baseline) / held.length, 2)} MB per shard)`);
  if (!(globalThis as { gc?: unknown }).gc) console.log('  (no --expose-gc: figures without a forced collection)');
  if (warnings.length > 0) console.log(`warnings: ${warnings.slice(0, 5).join(', ')}${warnings.length > 5 ? '…' : ''}`);

  await gateway.close();
  child.send({ type: 'close' } satisfies FakeDiscordRequest);
}

await main();
