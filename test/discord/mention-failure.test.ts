/**
 * A mention claimed by this replica is always answered, even when something nobody planned for
 * fails after the claim (here the store stops answering when the person's slot is taken): no
 * other replica will answer it. The real discord.js adapter against the fake Discord; the
 * store's slot sets fail (test/helpers/claim-outage.ts), as an outage cannot be staged on the
 * shared Redis.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FAILED_TEXT } from '../../src/discord/interactions.js';
import { apiUser } from '../fakes/discord/index.js';
import { sqliteWithoutSlots } from '../helpers/claim-outage.js';
import { eventually } from '../helpers/harness.js';
import { BOB, postsTo, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('a mention that fails after it was claimed', () => {
  it('gets a plain sentence in the channel, mention-free, and the error is logged', async () => {
    world = await startWorld({ store: sqliteWithoutSlots() });
    const { discord, oxen, log } = world;
    const mention = await discord.postUserMessage(BOB, { content: `<@${discord.bot.id}> a heron --res 720p`, mentions: [apiUser(discord.bot)] });
    await eventually(() => postsTo(discord, discord.channelId).length > 0, 5_000, 'the answer');
    const [answer] = postsTo(discord, discord.channelId);
    expect(answer?.json).toMatchObject({ content: FAILED_TEXT, allowed_mentions: { parse: [] }, message_reference: { message_id: mention.id } });
    const logged = log.lines.find((l) => l.event === 'discord.mention_failed');
    expect(logged?.level).toBe('error');
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});
