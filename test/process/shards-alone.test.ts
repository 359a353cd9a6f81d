/**
 * One bot process on its own (shards-process.ts: the real app and discord.js adapter, as
 * createPlatformAdapters makes it), without the shared store:
 * - the embedded store runs every shard Discord recommends in this one process, identifying in
 *   turn (max_concurrency 1), and a mention in each server is handled;
 * - Discord refusing the gateway for good (4011, sharding required, with DISCORD_SHARD_COUNT=1
 *   for a bot in too many servers) gives one clear log line and /readyz 503, and the process
 *   stays up without identifying again: no crash loop.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiUser, startFakeDiscord, type FakeDiscord, type FakeUser } from '../fakes/discord/index.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { killAllReplicas, type Replica } from './replicas.js';
import { metricsText, readyz, startShardReplica } from './shards-replicas.js';

const OXEN_KEY = 'shards-alone-oxen-key-Km4pXs9d';
const IDENTIFY_WINDOW_MS = 800;
const ANN: FakeUser = { id: '400000000000000001', username: 'ann' };

let oxen: FakeOxen;
let dir: string;
let discord: FakeDiscord | undefined;

beforeAll(async () => {
  oxen = await startFakeOxen({ apiKey: OXEN_KEY, timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  dir = mkdtempSync(join(tmpdir(), 'seedance-shards-alone-'));
});
afterEach(async () => {
  await killAllReplicas();
  await discord?.close();
  discord = undefined;
});
afterAll(async () => {
  await oxen?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const env = (fake: FakeDiscord, name: string, extra: Record<string, string> = {}) => ({
  OXEN_API_KEY: OXEN_KEY,
  OXEN_BASE_URL: oxen.url,
  DISCORD_TOKEN: fake.token,
  DISCORD_APPLICATION_ID: fake.applicationId,
  DISCORD_API_URL: fake.url,
  DISCORD_MESSAGE_CONTENT: 'true',
  DATA_DIR: join(dir, name),
  SHUTDOWN_GRACE_SECONDS: '2',
  IDENTIFY_WINDOW_MS: String(IDENTIFY_WINDOW_MS + 200),
  ...extra,
});

describe('one process, the embedded store', () => {
  it('runs every recommended shard itself, identifying one at a time, and answers in every server', async () => {
    discord = await startFakeDiscord({ guilds: 4, shards: 4, maxConcurrency: 1, identifyWindowMs: IDENTIFY_WINDOW_MS });
    const fake = discord;
    const bot: Replica = await startShardReplica('alone', env(fake, 'alone'));

    expect(fake.gateway.connectedShards()).toEqual([0, 1, 2, 3]);
    const ready = await readyz(bot);
    expect(ready.status).toBe(200);
    expect(ready.body.shards?.discord).toEqual({ count: 4, held: [0, 1, 2, 3].map((id) => ({ id, connected: true })) });
    expect(fake.gateway.identifiesTooSoon).toBe(0);
    const times = fake.gateway.identifies.map((i) => i.at).sort((a, b) => a - b);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(3 * IDENTIFY_WINDOW_MS);
    const metrics = await metricsText(bot);
    for (const id of [0, 1, 2, 3]) expect(metrics).toContain(`seedance_gateway_shard_connected{platform="discord",shard="${id}",shards="4"} 1`);

    const from = fake.calls.length;
    for (const guild of fake.guilds) await fake.postUserMessage(ANN, { channel_id: guild.channelId, content: `<@${fake.bot.id}> a snowy owl --duration 5`, mentions: [apiUser(fake.bot)] });
    const statusPosts = () => fake.calls.slice(from).filter((c) => c.route === 'createMessage' && c.status === 200 && fake.guilds.some((g) => c.path === `/channels/${g.channelId}/messages`));
    await eventually(() => statusPosts().length === 4, 20_000, `a status message in each server\n${bot.output()}`);
    expect(new Set(statusPosts().map((c) => c.path)).size).toBe(4);
  }, 90_000);
});

describe('Discord refuses the gateway for good', () => {
  it('4011: one clear log line, /readyz 503 saying why, no reconnecting and no exit', async () => {
    discord = await startFakeDiscord({ guilds: 8, shards: 4, maxGuildsPerSession: 2 });
    const fake = discord;
    const bot = await startShardReplica('refused', env(fake, 'refused', { DISCORD_SHARD_COUNT: '1' }));

    // The process is up once it listens; the refusal comes when the gateway answers (later, under load).
    const refusals = () => bot.lines().filter((l) => l.event === 'discord.gateway_refused');
    await eventually(() => refusals().length > 0, 20_000, `the refusal logged\n${bot.output()}`);
    const refused = refusals();
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ level: 'error', code: 4011, shard: 0, shards: 1 });
    expect(String(refused[0]!['reason'])).toMatch(/requires sharding.*DISCORD_SHARD_COUNT/);
    const ready = await readyz(bot);
    expect(ready.status).toBe(503);
    expect(ready.body.checks['discord']).toEqual({ ok: false, detail: 'Discord refused the gateway (close code 4011)' });
    expect(ready.body.shards?.discord).toEqual({ count: 1, held: [{ id: 0, connected: false }] });
    expect(await metricsText(bot)).toContain('seedance_gateway_shard_connected{platform="discord",shard="0",shards="1"} 0');

    // Still up a while later, and Discord was not asked again.
    await sleep(3_000);
    expect(bot.child.exitCode).toBeNull();
    expect(fake.gateway.closes.map((c) => c.code)).toEqual([4011]);
    expect(fake.gateway.identifies).toEqual([]);
    expect((await readyz(bot)).status).toBe(503);
  }, 90_000);

  it('4004 while running (the token reset): the same, after the bot was ready', async () => {
    discord = await startFakeDiscord();
    const fake = discord;
    const bot = await startShardReplica('revoked', env(fake, 'revoked'));
    expect((await readyz(bot)).status).toBe(200);

    fake.gateway.revokeToken();
    fake.gateway.dropSessions(4000);
    await eventually(() => bot.lines().some((l) => l.event === 'discord.gateway_refused'), 20_000, `the refusal logged\n${bot.output()}`);
    expect(bot.lines().filter((l) => l.event === 'discord.gateway_refused')).toMatchObject([{ level: 'error', code: 4004, shard: 0, reason: expect.stringMatching(/DISCORD_TOKEN/) }]);
    expect(bot.output()).not.toContain(fake.token);
    const ready = await readyz(bot);
    expect(ready.status).toBe(503);
    expect(ready.body.checks['discord']).toEqual({ ok: false, detail: 'Discord refused the gateway (close code 4004)' });

    await sleep(3_000);
    expect(bot.child.exitCode).toBeNull();
    expect(fake.gateway.closes.map((c) => c.code)).toEqual([4004]);
  }, 90_000);
});
