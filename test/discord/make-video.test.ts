/**
 * "Make video" keeps the target's files per person and message, checks that the form belongs to
 * the channel it is submitted in, and never turns a request that had files into a paid text-only
 * job: files gone after a restart are fetched again, or the person is told to run it again.
 * The real discord.js client against the fake Discord; the real core, store and fake Oxen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FILES_GONE_TEXT, FORM_FILES_MAX, FORM_FILES_TTL_MS, FormFiles, OTHER_CHANNEL_TEXT } from '../../src/discord/make-video.js';
import { messageContextMenu, modalSubmit, type FakeDiscord, type FakeUser } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, answerTo, BOB, media, startWorld, type World } from './helpers.js';

const CAROL: FakeUser = { id: '400000000000000003', username: 'carol' };

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const enqueued = (w: World) => w.oxen.requestsTo('enqueue').map((r) => JSON.parse(r.body) as Record<string, unknown>);

/** Carol's message with two pictures. */
async function postPets(discord: FakeDiscord, channelId = discord.channelId) {
  return discord.postUserMessage(CAROL, {
    channel_id: channelId,
    content: 'my pets',
    attachments: [
      discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', channelId }),
      discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg', channelId }),
    ],
  });
}

/** Opens the form as `user` and returns the custom id the bot gave it. */
async function openForm(discord: FakeDiscord, user: FakeUser, target: Awaited<ReturnType<typeof postPets>>): Promise<string> {
  const menu = messageContextMenu(discord.context(user), 'Make video', target);
  await discord.dispatchInteraction(menu);
  await eventually(() => discord.callbacks.has(menu.id), 3_000, 'the modal');
  return discord.callsTo('interactionCallback').find((c) => c.path.includes(menu.id))!.json.data.custom_id as string;
}

async function submitForm(discord: FakeDiscord, user: FakeUser, customId: string, prompt: string) {
  const submit = modalSubmit(discord.context(user), customId, { prompt });
  await discord.dispatchInteraction(submit);
  return answerTo(discord, submit);
}

async function jobOf(w: World, answer: string) {
  const id = /Started job `([a-z2-9]{6})`/.exec(answer)?.[1];
  expect(id, answer).toBeDefined();
  const status = await w.core.service.status(id!);
  if (!status.ok) throw new Error('no such job');
  return status.value.job;
}

describe('"Make video" files', () => {
  it('two people on the same message each get a job with the files, in their own name', async () => {
    // Without the Message Content intent the message cannot be fetched again with its files:
    // only the files kept from each person's own context menu can be used.
    world = await startWorld({ messageContentIntent: false });
    const { discord } = world;
    const target = await postPets(discord);
    const annForm = await openForm(discord, ANN, target);
    const bobForm = await openForm(discord, BOB, target);

    const annAnswer = await submitForm(discord, ANN, annForm, '@Image1 chases @Image2');
    const bobAnswer = await submitForm(discord, BOB, bobForm, '@Image2 chases @Image1');
    const annJob = await jobOf(world, annAnswer);
    const bobJob = await jobOf(world, bobAnswer);
    expect(annJob.requester.userId).toBe(ANN.id);
    expect(bobJob.requester.userId).toBe(BOB.id);
    expect(annJob.references.map((r) => r.name)).toEqual(['cat.png', 'dog.jpg']);
    expect(bobJob.references.map((r) => r.name)).toEqual(['cat.png', 'dog.jpg']);
    await eventually(() => enqueued(world!).length === 2, 5_000, 'two enqueues');
    expect(enqueued(world).every((b) => Array.isArray(b['input_images']) && (b['input_images'] as unknown[]).length === 2)).toBe(true);
  });

  it('after a restart, fetches the message again and uses its files', async () => {
    world = await startWorld({ messageContentIntent: true });
    const { discord } = world;
    const target = await postPets(discord);
    const form = await openForm(discord, ANN, target);
    await world.restart();

    const job = await jobOf(world, await submitForm(discord, ANN, form, '@Image1 meets @Image2'));
    expect(job.references.map((r) => r.name)).toEqual(['cat.png', 'dog.jpg']);
    expect(discord.callsTo('getMessage').some((c) => c.path === `/channels/${discord.channelId}/messages/${target.id}`)).toBe(true);
  });

  it('after a restart, when the files cannot be fetched again, refuses and spends nothing', async () => {
    world = await startWorld({ messageContentIntent: false });
    const { discord, oxen } = world;
    const target = await postPets(discord);
    const form = await openForm(discord, ANN, target);
    const restarted = await world.restart();

    const answer = await submitForm(discord, ANN, form, 'a cat and a dog');
    expect(answer).toBe(FILES_GONE_TEXT);
    expect(answer).toContain('Make video');
    await new Promise((r) => setTimeout(r, 200));
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
    expect(await restarted.core.service.list({ platform: 'discord', userId: ANN.id })).toHaveLength(0);
    expect(discord.callsTo('createMessage')).toHaveLength(0);
  });

  it('a form that had no files makes a text-only job without fetching anything', async () => {
    world = await startWorld({ messageContentIntent: false });
    const { discord } = world;
    const target = await discord.postUserMessage(CAROL, { content: 'a red fox in snow' });
    const form = await openForm(discord, ANN, target);
    await world.restart();
    const job = await jobOf(world, await submitForm(discord, ANN, form, 'a red fox in snow'));
    expect(job.references).toEqual([]);
    expect(discord.callsTo('getMessage')).toHaveLength(0);
  });

  it('a form id naming another channel is refused, and nothing of that channel is read', async () => {
    world = await startWorld({ messageContentIntent: true });
    const { discord, oxen } = world;
    const elsewhere = '300000000000000777';
    const secret = await postPets(discord, elsewhere);
    const crafted = `modal:make:${elsewhere}:${secret.id}:2`;

    const answer = await submitForm(discord, ANN, crafted, '@Image1 and @Image2');
    expect(answer).toBe(OTHER_CHANNEL_TEXT);
    expect(answer).not.toContain('cat.png');
    await new Promise((r) => setTimeout(r, 200));
    expect(discord.callsTo('getMessage')).toHaveLength(0);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
    expect(await world.core.service.list({ platform: 'discord', userId: ANN.id })).toHaveLength(0);
  });
});

describe('FormFiles', () => {
  const file = { name: 'cat.png', size: 1, url: 'https://cdn.example/cat.png', ephemeral: false };
  const key = (userId: string, messageId = '1') => ({ userId, channelId: '9', messageId });

  it('keeps files per person and message, gives them once, and forgets them after a while', () => {
    let now = 0;
    const kept = new FormFiles(() => now);
    kept.put(key('ann'), [file]);
    expect(kept.take(key('bob'))).toBeUndefined();
    expect(kept.take(key('ann', '2'))).toBeUndefined();
    expect(kept.take(key('ann'))).toEqual([file]);
    expect(kept.take(key('ann'))).toBeUndefined();

    kept.put(key('ann'), [file]);
    now += FORM_FILES_TTL_MS + 1;
    expect(kept.take(key('ann'))).toBeUndefined();
  });

  it('holds a bounded number of forms, dropping the oldest', () => {
    const kept = new FormFiles();
    for (let i = 0; i <= FORM_FILES_MAX; i++) kept.put(key(`user${i}`), [file]);
    expect(kept.size).toBe(FORM_FILES_MAX);
    expect(kept.take(key('user0'))).toBeUndefined();
    expect(kept.take(key(`user${FORM_FILES_MAX}`))).toEqual([file]);
  });
});
