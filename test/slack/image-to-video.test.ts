/**
 * Image to video on Slack, first frame and first + last frame, from every way in: a mention with
 * the images, a mention in a thread (the parent's image first), the "Make video" shortcut and its
 * modal, and `/video` (which carries no files: it must say where to put them). Followed through
 * to the body the fake Oxen receives (the image-to-video model, `input_image`, `tail_image_url`)
 * and to the bytes the fake Oxen downloads from those URLs, which must be the uploaded bytes.
 * The real Bolt app on loopback, the real core and store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appMention, blockAction, messageShortcut, viewSubmission } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, startWorld, type World } from './helpers.js';
import { createMediaConverter } from '../../src/core/media/converter.js';
import { iphoneStyleHeic, quadrantsOf } from '../helpers/heif-fixtures.js';
import { FIXTURES, probeBytes } from '../helpers/media-fixtures.js';

const I2V = 'bytedance-seedance-2-0-fast-image-to-video';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** Oxen downloads the references: they are served on loopback and fetched by the fake. */
const start = () => startWorld({ serveReferences: true, oxen: { fetchInputs: true } });

const enqueued = (w: World) => w.oxen.requestsTo('enqueue').map((r) => JSON.parse(r.body) as Record<string, unknown>);
const delivered = (w: World) => [...w.slack.uploads.values()].filter((u) => u.completed);

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
  const [generationId, fetched] = [...w.oxen.inputs.entries()][0]!;
  expect(fetched.map((f) => [f.field, f.url, f.status])).toEqual([
    ['input_image', body['input_image'], 200],
    ...(frames.last ? [['tail_image_url', body['tail_image_url'], 200]] : []),
  ]);
  expect(Buffer.from(fetched[0]!.bytes!).equals(Buffer.from(frames.first))).toBe(true);
  if (frames.last) expect(Buffer.from(fetched[1]!.bytes!).equals(Buffer.from(frames.last))).toBe(true);

  await eventually(() => delivered(w).length === 1, 8_000, 'the video');
  await new Promise((r) => setTimeout(r, 150));
  expect(delivered(w)).toHaveLength(1);
  expect(w.oxen.generations.get(generationId)!.status).toBe('succeeded');
  return { body, comment: delivered(w)[0]!.completed!.initial_comment ?? '' };
}

async function mention(w: World, input: { text: string; thread_ts?: string; files?: ReturnType<World['slack']['addFile']>[] }) {
  const message = w.slack.addMessage({ channel: 'C1', user: 'U1', text: input.text, ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}), ...(input.files ? { files: input.files } : {}) });
  const sent = await w.bot.sender.event(appMention({ channel: 'C1', user: 'U1', text: input.text, ts: message.ts, ...(input.thread_ts ? { thread_ts: input.thread_ts } : {}), ...(input.files ? { files: input.files } : {}) }));
  expect(sent.status).toBe(200);
}

describe('a mention with images', () => {
  it('--first-frame: the one image is the first frame', async () => {
    world = await start();
    const cat = world.slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    await mention(world, { text: '<@UBOT> the cat wakes up --first-frame', files: [cat] });
    const { body, comment } = await expectImageToVideo(world, { first: fixture('cat.png') });
    expect(body['prompt']).toBe('the cat wakes up');
    expect(comment).toContain('Image to Video');
    expect(comment).toContain('@Image1 = cat.png');
  });

  it('--frames first-last: the first image is the first frame, the second the last', async () => {
    world = await start();
    const cat = world.slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const dog = world.slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
    await mention(world, { text: '<@UBOT> @cat.png turns into @dog.jpg --frames first-last', files: [cat, dog] });
    const { body } = await expectImageToVideo(world, { first: fixture('cat.png'), last: fixture('dog.jpg') });
    expect(body['prompt']).toBe('@Image1 turns into @Image2');
  });

  it('in a thread, --last-frame: the parent image is the first frame, the mention own image the last', async () => {
    world = await start();
    const { slack } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const dog = slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
    const parent = slack.addMessage({ channel: 'C1', user: 'U9', text: 'the start', files: [cat] });
    await mention(world, { text: '<@UBOT> from the cat to the dog --last-frame', thread_ts: parent.ts, files: [dog] });
    const { comment } = await expectImageToVideo(world, { first: fixture('cat.png'), last: fixture('dog.jpg') });
    expect(comment).toContain('@Image1 = cat.png, @Image2 = dog.jpg');
    expect(delivered(world)[0]!.completed).toMatchObject({ channel_id: 'C1', thread_ts: parent.ts });
  });

  it('in a thread with `^`: the images of the message above are the first and last frames', async () => {
    world = await start();
    const { slack } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const dog = slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
    const parent = slack.addMessage({ channel: 'C1', user: 'U9', text: 'frames below' });
    slack.addMessage({ channel: 'C1', user: 'U8', text: 'start and end', thread_ts: parent.ts, files: [cat, dog] });
    await mention(world, { text: '<@UBOT> ^ morph --first-last', thread_ts: parent.ts });
    await expectImageToVideo(world, { first: fixture('cat.png'), last: fixture('dog.jpg') });
  });
});

describe('the "Make video" shortcut', () => {
  type View = { private_metadata: string };
  const select = (value: string) => ({ value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } } });

  async function openAndSubmit(w: World, prompt: string, fields: Record<string, Record<string, unknown>> = {}, files = 2) {
    const { slack, bot } = w;
    const all = [slack.addFile('cat.png', fixture('cat.png'), 'image/png'), slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg')].slice(0, files);
    const message = slack.addMessage({ channel: 'C1', user: 'U9', text: 'start and end', files: all });
    await bot.sender.interactive(messageShortcut({ callbackId: 'make_video', user: 'U1', channel: 'C1', message: { ts: message.ts, text: 'start and end', files: all }, responseUrl: slack.responseUrl() }));
    await eventually(() => slack.callsTo('views.open').length === 1, 3_000, 'views.open');
    const view = slack.callsTo('views.open')[0]!.args['view'] as View;
    const submitted = await bot.sender.interactive(
      viewSubmission({ user: 'U1', callbackId: 'make_video_modal', privateMetadata: view.private_metadata, values: { prompt: { value: { type: 'plain_text_input', value: prompt } }, ...fields } }),
    );
    expect(submitted.status).toBe(200);
    return submitted;
  }

  it('mode "image" with the message image: the first frame', async () => {
    world = await start();
    const submitted = await openAndSubmit(world, 'the cat wakes up', { mode: select('image') }, 1);
    expect(submitted.body).toBe('');
    await expectImageToVideo(world, { first: fixture('cat.png') });
  });

  it('--frames first-last typed in the prompt: the message images are the first and last frames', async () => {
    world = await start();
    const submitted = await openAndSubmit(world, '@Image1 becomes @Image2 --frames first-last');
    expect(submitted.body).toBe('');
    const job = await onlyJob(world.bot.core);
    expect(job.request.options.frames).toBe('first-last');
    const { body } = await expectImageToVideo(world, { first: fixture('cat.png'), last: fixture('dog.jpg') });
    expect(body['prompt']).toBe('@Image1 becomes @Image2');
  });

  it('the form frames field "first-last": the message images are the first and last frames', async () => {
    world = await start();
    const submitted = await openAndSubmit(world, 'the cat becomes the dog', { frames: select('first-last') });
    expect(submitted.body).toBe('');
    await expectImageToVideo(world, { first: fixture('cat.png'), last: fixture('dog.jpg') });
  });

  it('a bad flag typed in the prompt shows in the modal, and nothing starts', async () => {
    world = await start();
    const submitted = await openAndSubmit(world, 'a cat --frames sideways');
    const answer = JSON.parse(submitted.body) as { response_action: string; errors: Record<string, string> };
    expect(answer.response_action).toBe('errors');
    expect(answer.errors['prompt']).toContain('sideways');
    expect(world.slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});

describe('/video', () => {
  it('--first-frame says that commands carry no files and where to put the image, and spends nothing', async () => {
    world = await start();
    const ack = await world.bot.sender.command('the cat wakes up --first-frame');
    expect(ack.status).toBe(200);
    const answers = () => [ack.body, ...world!.slack.responses.map((r) => JSON.stringify(r.body))].join('\n');
    await eventually(() => /mention me/i.test(answers()), 3_000, 'the answer');
    expect(answers()).toMatch(/Make video/);
    expect(world.slack.callsTo('chat.postMessage')).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 150));
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});

describe('Retry of a first + last frame job', () => {
  it('a thread mention: Retry fetches the parent image and the mention image again, in the same order', async () => {
    world = await start();
    const { slack, bot } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const dog = slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
    const parent = slack.addMessage({ channel: 'C1', user: 'U9', text: 'the start', files: [cat] });
    await mention(world, { text: '<@UBOT> from the cat to the dog --first-last', thread_ts: parent.ts, files: [dog] });
    await expectImageToVideo(world, { first: fixture('cat.png'), last: fixture('dog.jpg') });
    const job = await onlyJob(bot.core);
    await eventually(async () => { const s = await bot.core.service.status(job.id); return s.ok && s.value.job.state === 'done'; }, 5_000, 'done');

    const ack = await bot.sender.interactive(
      blockAction({ user: 'U1', channel: 'C1', messageTs: job.destination.statusMessageId!, actionId: 'job_retry', value: job.id, responseUrl: slack.responseUrl() }),
    );
    expect(ack.status).toBe(200);
    await eventually(() => world!.oxen.inputs.size === 2, 5_000, 'the retry fetched');
    const body = enqueued(world)[1]!;
    const fetched = [...world.oxen.inputs.values()][1]!;
    expect(body['model']).toBe(I2V);
    expect(fetched.map((f) => f.field)).toEqual(['input_image', 'tail_image_url']);
    expect(Buffer.from(fetched[0]!.bytes!).equals(Buffer.from(fixture('cat.png')))).toBe(true);
    expect(Buffer.from(fetched[1]!.bytes!).equals(Buffer.from(fixture('dog.jpg')))).toBe(true);
  });
});

describe('a first frame the model does not take as it is', () => {
  it('a TIFF first frame is converted to PNG before the enqueue; Oxen fetches the PNG, and the last frame as uploaded', async () => {
    const converter = createMediaConverter({ concurrency: 1, timeoutMs: 30_000 });
    try {
      world = await startWorld({ serveReferences: true, oxen: { fetchInputs: true }, media: converter });
      const { slack } = world;
      const scan = slack.addFile('scan.tiff', await FIXTURES.tiff(), 'image/tiff');
      const dog = slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
      await mention(world, { text: '<@UBOT> the scan comes alive --first-last', files: [scan, dog] });
      await eventually(() => world!.oxen.inputs.size === 1, 20_000, 'the inputs fetched');
      const body = enqueued(world)[0]!;
      expect(body['model']).toBe(I2V);
      const [first, last] = [...world.oxen.inputs.values()][0]!;
      expect(first).toMatchObject({ field: 'input_image', status: 200, contentType: 'image/png' });
      expect((await probeBytes(first!.bytes!))?.video).toMatchObject({ codec: 'png', width: 320, height: 240 });
      expect(last).toMatchObject({ field: 'tail_image_url', status: 200 });
      expect(Buffer.from(last!.bytes!).equals(Buffer.from(fixture('dog.jpg')))).toBe(true);
      await eventually(() => delivered(world!).length === 1, 8_000, 'the video');
      expect(delivered(world)[0]!.completed!.initial_comment).toMatch(/@Image1 = scan\.tiff \(converted: TIFF → PNG/);
    } finally {
      await world?.close();
      world = undefined;
      await converter.close();
    }
  });

  it('an iPhone HEIC (a grid of HEVC tiles, turned by irot) as the first frame: Oxen fetches one upright JPEG', async () => {
    const converter = createMediaConverter({ concurrency: 1, timeoutMs: 30_000 });
    try {
      world = await startWorld({ serveReferences: true, oxen: { fetchInputs: true }, media: converter });
      const photo = world.slack.addFile('IMG_4032.HEIC', await iphoneStyleHeic(), 'image/heic');
      await mention(world, { text: '<@UBOT> the photo comes alive --first-frame', files: [photo] });
      await eventually(() => world!.oxen.inputs.size === 1, 20_000, 'the inputs fetched');
      expect(enqueued(world)[0]!['model']).toBe(I2V);
      const [first] = [...world.oxen.inputs.values()][0]!;
      expect(first).toMatchObject({ field: 'input_image', status: 200, contentType: 'image/jpeg' });
      expect(await quadrantsOf(first!.bytes!)).toEqual({ width: 88, height: 120, topLeft: 'green', topRight: 'white', bottomRight: 'blue', bottomLeft: 'red' });
      await eventually(() => delivered(world!).length === 1, 8_000, 'the video');
      expect(delivered(world)[0]!.completed!.initial_comment).toMatch(/@Image1 = IMG_4032\.HEIC \(converted: HEIC → JPEG/);
    } finally {
      await world?.close();
      world = undefined;
      await converter.close();
    }
  });
});
