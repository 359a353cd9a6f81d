/**
 * Image to video on Discord, first frame and first + last frame, from every way in: `/video` with
 * attachment options and the `frames` option, a reply that mentions the bot, and the "Make video"
 * context menu. Followed through to the body the fake Oxen receives (the image-to-video model,
 * `input_image`, `tail_image_url`) and to the bytes the fake Oxen downloads from those URLs,
 * which must be the bytes that were uploaded to Discord. Real discord.js, real core and store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { apiUser, buttonPress, messageContextMenu, modalSubmit, slashCommand, type SlashOption } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, answerTo, BOB, media, startWorld, type World } from './helpers.js';

const STRING = 3;
const ATTACHMENT = 11;
const I2V = 'bytedance-seedance-2-0-fast-image-to-video';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Oxen downloads the references: they are served on loopback and fetched by the fake. */
const start = (messageContentIntent = true) => startWorld({ messageContentIntent, serveReferences: true, oxen: { fetchInputs: true } });

const enqueued = (w: World) => w.oxen.requestsTo('enqueue').map((r) => JSON.parse(r.body) as Record<string, unknown>);
const uploads = (w: World) => w.discord.calls.filter((c) => c.route === 'createMessage' && c.status === 200 && c.files.some((f) => f.name.startsWith('seedance-')));

/**
 * The one enqueue is image to video with `first` as input_image and `last` (or nothing) as
 * tail_image_url; Oxen fetched exactly those bytes; the one video was delivered once.
 */
async function expectImageToVideo(w: World, frames: { first: Uint8Array; last?: Uint8Array }) {
  await eventually(() => enqueued(w).length === 1, 5_000, 'the enqueue');
  const body = enqueued(w)[0]!;
  expect(body['model']).toBe(I2V);
  expect(body['input_image']).toEqual(expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/references\//));
  expect(body['input_images']).toBeUndefined();
  if (frames.last) expect(body['tail_image_url']).toEqual(expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/references\//));
  else expect(body['tail_image_url']).toBeUndefined();

  // The enqueue is recorded as it arrives; the generation is made once the fake has fetched the inputs.
  await eventually(() => w.oxen.inputs.size === 1, 5_000, 'the inputs fetched');
  const generationId = [...w.oxen.inputs.keys()][0]!;
  const fetched = w.oxen.inputs.get(generationId)!;
  expect(fetched.map((f) => [f.field, f.url, f.status])).toEqual([
    ['input_image', body['input_image'], 200],
    ...(frames.last ? [['tail_image_url', body['tail_image_url'], 200]] : []),
  ]);
  expect(Buffer.from(fetched[0]!.bytes!).equals(Buffer.from(frames.first))).toBe(true);
  if (frames.last) expect(Buffer.from(fetched[1]!.bytes!).equals(Buffer.from(frames.last))).toBe(true);

  await eventually(() => uploads(w).length === 1, 8_000, 'the video');
  await new Promise((r) => setTimeout(r, 150));
  expect(uploads(w)).toHaveLength(1);
  expect(w.oxen.generations.get(generationId)!.status).toBe('succeeded');
  return { body, upload: uploads(w)[0]! };
}

async function runVideo(w: World, options: SlashOption[], attachments: Parameters<typeof slashCommand>[3]) {
  const payload = slashCommand(w.discord.context(ANN), 'video', options, attachments);
  await w.discord.dispatchInteraction(payload);
  return answerTo(w.discord, payload);
}

describe('/video with the frames option', () => {
  it('frames first: one image becomes the first frame of an image-to-video', async () => {
    world = await start();
    const { discord } = world;
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const answer = await runVideo(
      world,
      [
        { name: 'prompt', type: STRING, value: 'the cat wakes up and stretches' },
        { name: 'frames', type: STRING, value: 'first' },
        { name: 'image1', type: ATTACHMENT, value: cat.id },
      ],
      [cat],
    );
    expect(answer).toMatch(/^Started job `[a-z2-9]{6}` with Seedance 2\.0 Fast - Image to Video/);
    const { body, upload } = await expectImageToVideo(world, { first: media('cat.png') });
    expect(body['prompt']).toBe('the cat wakes up and stretches');
    expect(upload.json.content).toContain('Image to Video');
    expect(upload.json.content).toContain('@Image1 = `cat.png`');
  });

  it('frames first-last: image1 is the first frame and image2 the last', async () => {
    world = await start();
    const { discord } = world;
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const dog = discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg', ephemeral: true });
    const answer = await runVideo(
      world,
      [
        { name: 'prompt', type: STRING, value: '@Image1 turns into @Image2' },
        { name: 'frames', type: STRING, value: 'first-last' },
        { name: 'image1', type: ATTACHMENT, value: cat.id },
        { name: 'image2', type: ATTACHMENT, value: dog.id },
      ],
      [cat, dog],
    );
    expect(answer).toContain('@Image1 = `cat.png`, @Image2 = `dog.jpg`');
    const { body } = await expectImageToVideo(world, { first: media('cat.png'), last: media('dog.jpg') });
    expect(body['prompt']).toBe('@Image1 turns into @Image2');
  });

  it('frames first-last with one image says a second image is needed, and spends nothing', async () => {
    world = await start();
    const { discord, oxen } = world;
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const answer = await runVideo(
      world,
      [
        { name: 'prompt', type: STRING, value: 'the cat turns into a dog' },
        { name: 'frames', type: STRING, value: 'first-last' },
        { name: 'image1', type: ATTACHMENT, value: cat.id },
      ],
      [cat],
    );
    expect(answer).toContain('First and last frames need 2 images, but 1 were given');
    expect(answer).toContain('nothing was spent');
    await new Promise((r) => setTimeout(r, 150));
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});

describe('a reply that mentions the bot', () => {
  it('--first-last: the replied-to image is the first frame, the reply own image the last', async () => {
    world = await start();
    const { discord } = world;
    const original = await discord.postUserMessage(BOB, { content: 'before', attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' })] });
    await discord.postUserMessage(ANN, {
      type: 19,
      content: `<@${discord.bot.id}> morph from the cat to the dog --first-last --res 480p`,
      mentions: [apiUser(discord.bot)],
      message_reference: { type: 0, message_id: original.id, channel_id: discord.channelId, guild_id: discord.guildId },
      attachments: [discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg' })],
    });
    const { body, upload } = await expectImageToVideo(world, { first: media('cat.png'), last: media('dog.jpg') });
    expect(body['prompt']).toBe('morph from the cat to the dog');
    expect(body['resolution']).toBe('480p');
    expect(upload.json.content).toContain('@Image1 = `cat.png`, @Image2 = `dog.jpg`');
  });

  it('--frames first on a replied-to image', async () => {
    world = await start();
    const { discord } = world;
    const original = await discord.postUserMessage(BOB, { content: 'my cat', attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' })] });
    await discord.postUserMessage(ANN, {
      type: 19,
      content: `<@${discord.bot.id}> the cat jumps --frames first`,
      mentions: [apiUser(discord.bot)],
      message_reference: { type: 0, message_id: original.id, channel_id: discord.channelId, guild_id: discord.guildId },
    });
    await expectImageToVideo(world, { first: media('cat.png') });
  });
});

describe('the "Make video" context menu', () => {
  async function makeVideo(w: World, options: string) {
    const { discord } = w;
    const target = await discord.postUserMessage(BOB, {
      content: 'start and end',
      attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' }), discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg' })],
    });
    const menu = messageContextMenu(discord.context(ANN), 'Make video', target);
    await discord.dispatchInteraction(menu);
    await eventually(() => discord.callbacks.has(menu.id), 3_000, 'the modal');
    const customId = discord.callsTo('interactionCallback').find((c) => c.path.includes(menu.id))!.json.data.custom_id as string;
    const submit = modalSubmit(discord.context(ANN), customId, { prompt: '@Image1 becomes @Image2', options });
    await discord.dispatchInteraction(submit);
    return answerTo(discord, submit);
  }

  it('--frames first-last in the options field: the message images are the first and last frames', async () => {
    world = await start(false);
    const answer = await makeVideo(world, '--frames first-last');
    expect(answer).toContain('Image to Video');
    await expectImageToVideo(world, { first: media('cat.png'), last: media('dog.jpg') });
  });

  it('--first-frame with two images is refused: image-to-video takes one image for a first frame', async () => {
    world = await start(false);
    const answer = await makeVideo(world, '--first-frame');
    expect(answer).toContain('Image-to-video uses 1 image(s) for these frames, but 2 were given');
    await new Promise((r) => setTimeout(r, 150));
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});

describe('Retry and Edit prompt of a first + last frame job', () => {
  /** The n-th enqueue's frames, as the fake Oxen fetched them. */
  async function framesOf(w: World, n: number) {
    await eventually(() => w.oxen.inputs.size >= n, 5_000, `enqueue ${n} fetched`);
    const body = enqueued(w)[n - 1]!;
    const fetched = [...w.oxen.inputs.values()][n - 1]!;
    return { body, first: fetched.find((f) => f.field === 'input_image')?.bytes, last: fetched.find((f) => f.field === 'tail_image_url')?.bytes };
  }
  const same = (a: Uint8Array | undefined, b: Uint8Array) => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

  it('/video: Retry and Edit prompt keep both frames, fetched again from the copies in the thread', async () => {
    world = await start();
    const { discord } = world;
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const dog = discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg', ephemeral: true });
    const answer = await runVideo(
      world,
      [
        { name: 'prompt', type: STRING, value: '@Image1 turns into @Image2' },
        { name: 'frames', type: STRING, value: 'first-last' },
        { name: 'image1', type: ATTACHMENT, value: cat.id },
        { name: 'image2', type: ATTACHMENT, value: dog.id },
      ],
      [cat, dog],
    );
    const jobId = /`([a-z2-9]{6})`/.exec(answer)![1]!;
    await expectImageToVideo(world, { first: media('cat.png'), last: media('dog.jpg') });
    await eventually(async () => { const s = await world!.core.service.status(jobId); return s.ok && s.value.job.state === 'done'; }, 5_000, 'done');
    const status = [...discord.messages.values()].find((m) => m.content.includes(`Job \`${jobId}\``) && m.channel_id === discord.channelId)!;

    const retry = buttonPress(discord.context(ANN), `job:retry:${jobId}`, status);
    await discord.dispatchInteraction(retry);
    expect(await answerTo(discord, retry)).toMatch(/^Started job/);
    const second = await framesOf(world, 2);
    expect(second.body['model']).toBe(I2V);
    expect(same(second.first, media('cat.png'))).toBe(true);
    expect(same(second.last, media('dog.jpg'))).toBe(true);

    const edit = buttonPress(discord.context(ANN), `job:edit:${jobId}`, status);
    await discord.dispatchInteraction(edit);
    await eventually(() => discord.callbacks.has(edit.id), 3_000, 'the edit modal');
    const modal = discord.callsTo('interactionCallback').find((c) => c.path.includes(edit.id))!.json.data;
    const edited = modalSubmit(discord.context(ANN), modal.custom_id, { prompt: '@Image1 slowly turns into @Image2' });
    await discord.dispatchInteraction(edited);
    expect(await answerTo(discord, edited)).toMatch(/^Started job/);
    const third = await framesOf(world, 3);
    expect(third.body).toMatchObject({ model: I2V, prompt: '@Image1 slowly turns into @Image2' });
    expect(same(third.first, media('cat.png'))).toBe(true);
    expect(same(third.last, media('dog.jpg'))).toBe(true);
  });

  it('a reply mention: Retry fetches the replied-to image and the reply image again, in the same order', async () => {
    world = await start();
    const { discord } = world;
    const original = await discord.postUserMessage(BOB, { content: 'before', attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' })] });
    await discord.postUserMessage(ANN, {
      type: 19,
      content: `<@${discord.bot.id}> from the cat to the dog --first-last`,
      mentions: [apiUser(discord.bot)],
      message_reference: { type: 0, message_id: original.id, channel_id: discord.channelId, guild_id: discord.guildId },
      attachments: [discord.attachment('dog.jpg', media('dog.jpg'), { contentType: 'image/jpeg' })],
    });
    await expectImageToVideo(world, { first: media('cat.png'), last: media('dog.jpg') });
    const [first] = await world.core.service.list({ platform: 'discord', userId: ANN.id });
    await eventually(async () => { const s = await world!.core.service.status(first!.job.id); return s.ok && s.value.job.state === 'done'; }, 5_000, 'done');
    const status = discord.messages.get(first!.job.destination.statusMessageId!)!;
    const retry = buttonPress(discord.context(ANN), `job:retry:${first!.job.id}`, status);
    await discord.dispatchInteraction(retry);
    expect(await answerTo(discord, retry)).toMatch(/^Started job/);
    const second = await framesOf(world, 2);
    expect(second.body['model']).toBe(I2V);
    expect(same(second.first, media('cat.png'))).toBe(true);
    expect(same(second.last, media('dog.jpg'))).toBe(true);
  });
});
