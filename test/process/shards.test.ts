/**
 * Shards spread over replicas: three real bot processes (shards-process.ts: the real app and the
 * real discord.js adapter, lease timings shortened) on the real Redis (under this test's own
 * prefix, deleted after), one fake Discord with eight servers that needs four shards (two servers
 * per shard; a session with more is refused with 4011), and one fake Oxen.
 *
 * Each shard is connected by exactly one replica, identifies keep to max_concurrency, a mention
 * in each server is handled once by the replica that holds its shard; a replica killed with
 * SIGKILL has its shards taken over by the others, and a mention afterwards is handled once.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiUser, shardOfGuild, startFakeDiscord, type FakeDiscord, type FakeUser } from '../fakes/discord/index.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { killAllReplicas, type Replica } from './replicas.js';
import { heldShards, metricsText, startShardReplica } from './shards-replicas.js';

const OXEN_KEY = 'shards-oxen-key-Vb7nQe2wRt';
const SHARDS = 4;
/** The fake's identify window; the replicas wait a little longer between identifies of a bucket. */
const IDENTIFY_WINDOW_MS = 800;
const LEASE_TTL_MS = 3_000;
/** After an outcome: time for a duplicate to show up if one were coming. */
const SETTLE_MS = 1_500;

const ANN: FakeUser = { id: '400000000000000001', username: 'ann' };

let oxen: FakeOxen;
let discord: FakeDiscord;
let prefix: string;
let dir: string;
let replicas: Replica[] = [];

const outputs = () => replicas.map((r) => r.output()).join('\n');
const enqueues = () => oxen.requestsTo('enqueue').length;
const uploadsIn = (channelId: string, from: number) =>
  discord.calls.slice(from).filter((c) => c.route === 'createMessage' && c.files.length > 0 && c.status === 200 && discord.threads.get(c.path.split('/')[2]!)?.parent_id === channelId);
const statusPostsIn = (channelId: string, from: number) => discord.calls.slice(from).filter((c) => c.route === 'createMessage' && c.path === `/channels/${channelId}/messages` && c.status === 200 && c.files.length === 0);

async function mention(guild: { id: string; channelId: string }, text: string) {
  return discord.postUserMessage(ANN, { channel_id: guild.channelId, content: `<@${discord.bot.id}> ${text} --duration 5`, mentions: [apiUser(discord.bot)] });
}

/** Every replica's held shards; fails if two say they hold the same one. */
async function holdings(of = replicas): Promise<Map<string, number[]>> {
  const map = new Map<string, number[]>();
  for (const r of of) map.set(r.name, (await heldShards(r)).filter((s) => s.connected).map((s) => s.id));
  return map;
}

beforeAll(async () => {
  oxen = await startFakeOxen({ apiKey: OXEN_KEY, timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  discord = await startFakeDiscord({ guilds: 8, shards: SHARDS, maxConcurrency: 2, maxGuildsPerSession: 2, identifyWindowMs: IDENTIFY_WINDOW_MS });
  prefix = `test-shards-${randomUUID()}`;
  dir = mkdtempSync(join(tmpdir(), 'seedance-shards-'));
  const env = (name: string) => ({
    OXEN_API_KEY: OXEN_KEY,
    OXEN_BASE_URL: oxen.url,
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.url,
    DISCORD_MESSAGE_CONTENT: 'true',
    STORE_URL: REDIS_URL,
    STORE_PREFIX: prefix,
    DATA_DIR: join(dir, name),
    MAX_JOBS_PER_USER: '20',
    SHUTDOWN_GRACE_SECONDS: '2',
    SHARD_LEASE_TTL_MS: String(LEASE_TTL_MS),
    SHARD_RENEW_MS: '500',
    IDENTIFY_WINDOW_MS: String(IDENTIFY_WINDOW_MS + 200),
  });
  replicas = await Promise.all(['shards-1', 'shards-2', 'shards-3'].map((name) => startShardReplica(name, env(name))));
}, 120_000);

afterAll(async () => {
  await killAllReplicas();
  await oxen?.close();
  await discord?.close();
  if (prefix) await dropRedisPrefix(prefix);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('four shards over three replicas on one Redis', () => {
  it('connects every shard exactly once, spread over all three, identifying within max_concurrency', async () => {
    // The fake really routes: two servers per shard.
    expect(discord.guilds.map((g) => shardOfGuild(g.id, SHARDS)).sort()).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    await eventually(() => discord.gateway.connectedShards().join() === '0,1,2,3', 30_000, `four shards, each once: ${discord.gateway.connectedShards()}\n${outputs()}`);
    // Replicas that started a little apart settle to their shares: 2, 1, 1.
    await eventually(async () => [...(await holdings()).values()].map((ids) => ids.length).sort().join() === '1,1,2', 30_000, `2, 1, 1 shards connected\n${outputs()}`);
    // Settled: it stays that way over several lease rounds.
    await sleep(SETTLE_MS);
    expect(discord.gateway.connectedShards()).toEqual([0, 1, 2, 3]);
    const held = await holdings();
    expect([...held.values()].flat().sort()).toEqual([0, 1, 2, 3]);
    expect([...held.values()].map((ids) => ids.length).sort()).toEqual([1, 1, 2]);
    expect(discord.gateway.shardsHeldTwice, outputs()).toBe(0);
    expect(discord.gateway.identifiesTooSoon).toBe(0);
    expect(discord.gateway.identifies.every((i) => i.shard?.[1] === SHARDS)).toBe(true);
    expect(discord.gateway.closes).toEqual([]);
    for (const r of replicas) {
      const text = await metricsText(r);
      for (const id of held.get(r.name)!) expect(text).toContain(`seedance_gateway_shard_connected{platform="discord",shard="${id}",shards="4"} 1`);
    }
  }, 60_000);

  it('handles a mention in each of the eight servers exactly once', async () => {
    const from = discord.calls.length;
    const before = enqueues();
    for (const [i, guild] of discord.guilds.entries()) await mention(guild, `server ${i}: a lantern in the rain`);
    await eventually(() => discord.guilds.every((g) => uploadsIn(g.channelId, from).length >= 1), 30_000, `a video in every server\n${outputs()}`);
    await sleep(SETTLE_MS);
    expect(enqueues() - before, outputs()).toBe(8);
    for (const guild of discord.guilds) {
      expect(statusPostsIn(guild.channelId, from), guild.id).toHaveLength(1);
      expect(uploadsIn(guild.channelId, from), guild.id).toHaveLength(1);
    }
    // Only the shard's holder received each message: nobody had to lose a claim.
    expect(replicas.flatMap((r) => r.lines()).filter((l) => l.event === 'discord.claimed_elsewhere')).toEqual([]);
  }, 60_000);

  it('a killed replica\'s shards are taken over by the others, and a mention afterwards is handled once', async () => {
    const held = await holdings();
    const victim = replicas.find((r) => held.get(r.name)!.length === 2)!;
    const orphaned = held.get(victim.name)!;
    const survivors = replicas.filter((r) => r !== victim);
    const killedAt = Date.now();
    await victim.kill();

    await eventually(async () => {
      const now = await holdings(survivors);
      return [...now.values()].flat().sort().join() === '0,1,2,3' && discord.gateway.connectedShards().join() === '0,1,2,3';
    }, 30_000, `the orphaned shards ${orphaned} taken over\n${outputs()}`);
    const tookMs = Date.now() - killedAt;
    console.log(`shards ${orphaned.join(', ')} of a killed replica connected again by the others ${tookMs} ms after SIGKILL (lease ${LEASE_TTL_MS} ms, renewed every 500 ms)`);
    expect(tookMs).toBeLessThan(30_000);
    expect([...(await holdings(survivors)).values()].map((ids) => ids.length).sort()).toEqual([2, 2]);
    expect(discord.gateway.shardsHeldTwice).toBe(0);
    expect(discord.gateway.identifiesTooSoon).toBe(0);

    const guild = discord.guilds.find((g) => shardOfGuild(g.id, SHARDS) === orphaned[0])!;
    const from = discord.calls.length;
    const before = enqueues();
    await mention(guild, 'after the takeover: a paper boat on a pond');
    await eventually(() => uploadsIn(guild.channelId, from).length >= 1, 30_000, `the video after the takeover\n${outputs()}`);
    await sleep(SETTLE_MS);
    expect(enqueues() - before).toBe(1);
    expect(statusPostsIn(guild.channelId, from)).toHaveLength(1);
    expect(uploadsIn(guild.channelId, from)).toHaveLength(1);
  }, 90_000);
});
