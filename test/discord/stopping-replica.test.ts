/**
 * A rolling restart: replica A is shutting down (it no longer takes commands but still holds its
 * gateway session), replica B runs. Discord sends each interaction and message to both, and both
 * claim in the same Redis. A leaves it to B for a moment, so the person gets a job, not "the bot is
 * restarting"; when no other replica takes it, A still answers in time.
 *
 * Two real discord.js adapters and cores on one fake Discord, one fake Oxen and the real Redis.
 * B's claims are held back 200 ms (a slower link to Redis): without the yield, A would always
 * claim first.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { storeClaims, type Claims } from '../../src/core/claims.js';
import { createDiscordAdapter } from '../../src/discord/index.js';
import { RESTARTING_TEXT } from '../../src/discord/interactions.js';
import { apiUser, slashCommand } from '../fakes/discord/index.js';
import { eventually, redisStore, startCore } from '../helpers/harness.js';
import { ANN, BOB, answerTo, postsTo, startWorld, type World } from './helpers.js';

let world: World | undefined;
const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await world?.close();
  world = undefined;
});

const slower = (claims: Claims, ms: number): Claims => ({
  shared: claims.shared,
  claimOnce: async (kind, id) => {
    await sleep(ms);
    return claims.claimOnce(kind, id);
  },
});

/** Replica B: another adapter and core on the same fakes and the same Redis data. */
async function startReplicaB(w: World) {
  const store = w.handle.reopen();
  const adapter = createDiscordAdapter(
    { token: w.discord.token, applicationId: w.discord.applicationId, apiUrl: w.discord.url, messageContentIntent: true },
    { log: w.log, statusEdits: { channelIntervalMs: 20, perSecond: 500, tickMs: 10 }, readyTimeoutMs: 10_000 },
  );
  const core = await startCore({ fake: w.oxen, store, port: adapter.port });
  await adapter.start({ service: core.service, log: w.log, claims: slower(storeClaims(store), 200) });
  const close = async () => {
    await adapter.close();
    await core.stop();
    await store.close();
  };
  closers.push(close);
  return { adapter, core, close };
}

describe('a replica that is shutting down', () => {
  it('leaves interactions and mentions to a running replica: the person gets a job, not "restarting"', async () => {
    world = await startWorld({ store: redisStore() });
    const { discord, oxen } = world;
    await startReplicaB(world);
    await eventually(() => discord.gateway.identifiedSessions() === 2, 5_000, 'two sessions');
    world.adapter.stopAccepting();

    const command = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a kite over the sea' }]);
    await discord.dispatchInteraction(command);
    expect(await answerTo(discord, command)).toMatch(/^Started job `[a-z2-9]{6}`/);

    await discord.postUserMessage(BOB, { content: `<@${discord.bot.id}> a heron takes off`, mentions: [apiUser(discord.bot)] });
    await eventually(() => oxen.requestsTo('enqueue').length === 2, 5_000, 'both jobs enqueued');
    await sleep(1_500); // the stopping replica's yield is over: it did not answer either
    expect(discord.calls.filter((c) => JSON.stringify(c.json ?? {}).includes(RESTARTING_TEXT))).toEqual([]);
    expect(discord.callsTo('interactionCallback').map((c) => c.status)).toEqual([204]);
    expect(postsTo(discord, discord.channelId)).toHaveLength(2); // the two status messages
  });

  it('still answers "restarting" in time when no other replica takes it', async () => {
    world = await startWorld({ store: redisStore() });
    const { discord } = world;
    world.adapter.stopAccepting();
    const command = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a kite' }]);
    await discord.dispatchInteraction(command);
    await eventually(() => discord.callbacks.has(command.id), 3_000, 'the answer within Discord’s 3 s');
    const callback = discord.callsTo('interactionCallback').find((c) => c.path.includes(command.id))!;
    expect(callback.status).toBe(204);
    expect(callback.json?.data?.content).toBe(RESTARTING_TEXT);
    expect(discord.callbacks.get(command.id)!.at - discord.dispatchedAt.get(command.id)!).toBeGreaterThanOrEqual(900);
  });
});
