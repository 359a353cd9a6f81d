/**
 * The one mention the bot makes on Discord: the message that delivers a video pings the person who
 * asked, and only them (allowed_mentions names that user, parses nothing). Everything else it
 * posts or edits (the status message, its edits, answers) stays mention-free. Real discord.js
 * against the fake, which records each body's allowed_mentions.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { slashCommand } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, answerTo, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('when the video is ready', () => {
  it('the delivery mentions the person who asked, alone; nothing else pings', async () => {
    world = await startWorld();
    const { discord } = world;
    // Someone else's name and @everyone in the prompt: echoed, never pinged.
    const payload = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a fox for <@400000000000000002> and @everyone' }]);
    await discord.dispatchInteraction(payload);
    const jobId = /`([a-z2-9]{6})`/.exec(await answerTo(discord, payload))![1]!;
    await eventually(async () => {
      const s = await world!.core.service.status(jobId);
      return s.ok && s.value.job.state === 'done';
    }, 8_000, 'done');

    const delivery = discord.calls.find((c) => c.route === 'createMessage' && c.files.length > 0)!;
    expect(String(delivery.json.content).startsWith(`<@${ANN.id}> `)).toBe(true);
    expect(delivery.json.allowed_mentions).toEqual({ parse: [], users: [ANN.id] });

    const others = discord.calls.filter((c) => (c.route === 'createMessage' || c.route === 'editMessage' || c.route === 'webhookEditOriginal') && c !== delivery && c.json);
    expect(others.length).toBeGreaterThan(1);
    for (const call of others) expect(call.json.allowed_mentions, `${call.route} ${String(call.json.content).slice(0, 60)}`).toEqual({ parse: [] });
  });
});
