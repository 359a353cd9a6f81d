/**
 * When the store cannot take a claim, nothing is started (no replica could know it is the only
 * one), and an interaction is still answered, so the person does not see "did not respond".
 * The real discord.js adapter against the fake Discord; the store's claims fail (test/helpers/claim-outage.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { CLAIM_FAILED_TEXT } from '../../src/discord/errors.js';
import { apiUser, slashCommand } from '../fakes/discord/index.js';
import { sqliteWithoutClaims } from '../helpers/claim-outage.js';
import { eventually } from '../helpers/harness.js';
import { ANN, BOB, postsTo, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('claims that fail', () => {
  it('an interaction gets a sentence and no job; a mention is left alone and logged', async () => {
    world = await startWorld({ store: sqliteWithoutClaims() });
    const { discord, oxen, log } = world;
    const command = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a kite' }]);
    await discord.dispatchInteraction(command);
    await eventually(() => discord.callbacks.has(command.id), 3_000, 'the answer');
    const callback = discord.callsTo('interactionCallback').find((c) => c.path.includes(command.id))!;
    expect(callback.json).toMatchObject({ type: 4, data: { content: CLAIM_FAILED_TEXT, flags: 64 } });

    await discord.postUserMessage(BOB, { content: `<@${discord.bot.id}> a heron`, mentions: [apiUser(discord.bot)] });
    await eventually(() => log.lines.some((l) => l.event === 'discord.mention_failed'), 3_000, 'the logged failure');
    await sleep(200);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
    expect(postsTo(discord, discord.channelId)).toHaveLength(0);
    expect(log.lines.filter((l) => l.event === 'discord.claim_failed')).toHaveLength(1);
  });
});
