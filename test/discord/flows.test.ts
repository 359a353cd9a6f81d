/**
 * The other ways in: the "Make video" context menu (modal), and a reply that mentions the bot,
 * with and without the MESSAGE_CONTENT intent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { apiUser, messageContextMenu, modalSubmit } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, answerTo, BOB, media, postsTo, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const enqueued = (w: World) => w.oxen.requestsTo('enqueue').map((r) => JSON.parse(r.body) as Record<string, unknown>);

describe('the "Make video" context menu', () => {
  it('answers with a modal at once, then uses the target message files as references', async () => {
    world = await startWorld({ messageContentIntent: false });
    const { discord } = world;
    // Bob posted the files; Ann makes the video. The target message comes whole in the interaction.
    const target = await discord.postUserMessage(BOB, {
      content: 'look at my cat',
      attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' }), discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg' })],
    });
    const menu = messageContextMenu(discord.context(ANN), 'Make video', target);
    await discord.dispatchInteraction(menu);
    await eventually(() => discord.callbacks.has(menu.id), 3_000, 'the modal');
    expect(discord.callbacks.get(menu.id)!.type).toBe(9);
    const modal = discord.callsTo('interactionCallback').find((c) => c.path.includes(menu.id))!.json.data;
    expect(modal.custom_id).toBe(`modal:make:${discord.channelId}:${target.id}:2`);

    const submit = modalSubmit(discord.context(ANN), modal.custom_id, { prompt: '@Image1 chases @Image2 --res 480p', options: '--duration 5' });
    await discord.dispatchInteraction(submit);
    const answer = await answerTo(discord, submit);
    expect(discord.callbacks.get(submit.id)).toMatchObject({ type: 5, flags: 64 });
    expect(answer).toContain('@Image1 = `cat.png`');
    expect(answer).toContain('@Image2 = `dog.jpg`');
    await eventually(() => enqueued(world!).length === 1, 5_000, 'the enqueue');
    const body = enqueued(world)[0]!;
    expect(String(body['model'])).toMatch(/reference-to-video$/);
    expect(body['prompt']).toBe('@Image1 chases @Image2');
    expect(body['input_images']).toHaveLength(2);
  });
});

describe('a reply that mentions the bot', () => {
  it('uses the replied-to files first, then the reply own files, in that order', async () => {
    world = await startWorld({ messageContentIntent: true });
    const { discord } = world;
    const original = await discord.postUserMessage(BOB, { content: 'two pets', attachments: [discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg' })] });
    await discord.postUserMessage(ANN, {
      type: 19,
      content: `<@${discord.bot.id}> @Image1 meets @Image2 --res 480p`,
      mentions: [apiUser(discord.bot)],
      message_reference: { type: 0, message_id: original.id, channel_id: discord.channelId, guild_id: discord.guildId },
      attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' })],
    });
    await eventually(() => enqueued(world!).length === 1, 5_000, 'the enqueue');
    const status = postsTo(discord, discord.channelId)[0]!;
    expect(status.json.content).toContain('@Image1 meets @Image2');
    expect(status.json.allowed_mentions).toEqual({ parse: [] });
    const upload = await discord.waitForCall((c) => c.files.some((f) => f.name.startsWith('seedance-')), 8_000, 'the upload');
    // The replied-to message's file is @Image1, the reply's own is @Image2.
    expect(upload.json.content).toContain('@Image1 = `dog.jpg`, @Image2 = `cat.png`');
    // The job remembers both messages, so Retry can fetch the files again.
    const jobId = /Job `([a-z2-9]{6})`/.exec(status.json.content)![1]!;
    const job = await world.core.service.status(jobId);
    expect(job.ok && job.value.job.origin).toMatch(new RegExp(`^m:${discord.channelId}/${original.id},${discord.channelId}/\\d+$`));
  });

  it('without the MESSAGE_CONTENT intent, says to use the context menu and starts nothing', async () => {
    world = await startWorld({ messageContentIntent: false });
    const { discord } = world;
    const original = await discord.postUserMessage(BOB, { content: 'a pet', attachments: [discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg' })] });
    const reply = await discord.postUserMessage(ANN, {
      type: 19,
      content: `<@${discord.bot.id}> make it dance`,
      mentions: [apiUser(discord.bot)],
      message_reference: { type: 0, message_id: original.id, channel_id: discord.channelId, guild_id: discord.guildId },
    });
    const answer = await discord.waitForCall((c) => c.route === 'createMessage' && c.json?.message_reference?.message_id === reply.id, 5_000, 'the hint');
    expect(answer.json.content).toContain('Make video');
    expect(answer.json.content).toContain('Message Content intent');
    expect(answer.json.allowed_mentions).toEqual({ parse: [] });
    expect(enqueued(world)).toHaveLength(0);
    expect(discord.callsTo('startThread')).toHaveLength(0);
  });

  it('ignores messages that do not mention the bot, and answers problems in the channel', async () => {
    world = await startWorld({ messageContentIntent: true });
    const { discord } = world;
    await discord.postUserMessage(ANN, { content: 'just chatting --res 9000p' });
    const bad = await discord.postUserMessage(ANN, { content: `<@${discord.bot.id}> a fox --res 9000p --frobnicate`, mentions: [apiUser(discord.bot)] });
    const answer = await discord.waitForCall((c) => c.route === 'createMessage' && c.json?.message_reference?.message_id === bad.id, 5_000, 'the problems');
    expect(answer.json.content).toContain('for 2 reasons (nothing was spent)');
    expect(answer.json.content).toContain('--frobnicate');
    expect(discord.calls.filter((c) => c.route === 'createMessage')).toHaveLength(1);
    expect(enqueued(world)).toHaveLength(0);
  });
});
