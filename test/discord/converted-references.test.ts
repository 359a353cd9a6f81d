/**
 * `/video` with files the model does not take as they are, converted by the real FFmpeg before
 * anything is spent: the real discord.js client on the fake gateway, the real core against the
 * fake Oxen. The files Oxen fetches from the enqueue body are probed: a phone clip became an
 * upright 720p H.264 MP4, a voice message MP3, an AVIF picture JPEG, an iPhone HEIC (a grid of
 * tiles) one upright JPEG; the answer and the thread's messages say what was converted next to
 * each label.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMediaConverter } from '../../src/core/media/converter.js';
import { slashCommand } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { fetchEnqueuedReferences } from '../helpers/fetch-references.js';
import { iphoneStyleHeic, quadrantsOf } from '../helpers/heif-fixtures.js';
import { FIXTURES, probeBytes } from '../helpers/media-fixtures.js';
import { ANN, answerTo, startWorld, type World } from './helpers.js';

const converter = createMediaConverter({ concurrency: 2, timeoutMs: 60_000 });
afterAll(() => converter.close());
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const STRING = 3;
const ATTACHMENT = 11;

describe('/video with files to convert', { timeout: 90_000 }, () => {
  it('converts the phone clip, the voice message and the AVIF picture, and Oxen receives what the model takes', async () => {
    world = await startWorld({ media: converter });
    const { discord, oxen } = world;
    const dance = discord.attachment('dance.mov', await FIXTURES.phoneClip(0.5), { contentType: 'video/quicktime', ephemeral: true });
    const walk = discord.attachment('walk.mp4', await FIXTURES.sdMp4(), { contentType: 'video/mp4', ephemeral: true });
    const voice = discord.attachment('voice-message.ogg', await FIXTURES.opus(), { contentType: 'audio/ogg', ephemeral: true });
    const photo = discord.attachment('photo.avif', await FIXTURES.avif(), { contentType: 'image/avif', ephemeral: true });
    const payload = slashCommand(
      discord.context(ANN),
      'video',
      [
        { name: 'prompt', type: STRING, value: '@photo.avif dances like @dance.mov to @voice-message.ogg' },
        { name: 'image1', type: ATTACHMENT, value: photo.id },
        { name: 'video1', type: ATTACHMENT, value: dance.id },
        { name: 'video2', type: ATTACHMENT, value: walk.id },
        { name: 'audio1', type: ATTACHMENT, value: voice.id },
      ],
      [photo, dance, walk, voice],
    );
    await discord.dispatchInteraction(payload);
    const answer = await answerTo(discord, payload, 60_000);
    expect(answer).toMatch(/@Video1 = `dance\.mov` \(converted: 752p HEVC → 720p H\.264, [\d.]+ MB → [\d.]+ MB\)/);
    expect(answer).toMatch(/@Audio1 = `voice-message\.ogg` \(converted: Opus → MP3/);
    expect(answer).toMatch(/@Image1 = `photo\.avif` \(converted: AVIF → JPEG/);
    expect(answer).toContain('@Video2 = `walk.mp4`,');

    await eventually(() => oxen.requestsTo('enqueue').length === 1, 10_000, 'the enqueue');
    const body = JSON.parse(oxen.requestsTo('enqueue')[0]!.body) as Record<string, unknown>;
    const fetched = await fetchEnqueuedReferences(world.core.host, body);
    const [clip, walkBytes] = fetched['input_videos']!;
    expect((await probeBytes(clip!))?.video).toMatchObject({ codec: 'h264', width: 720, height: 1256, rotation: 0 });
    expect((await probeBytes(walkBytes!))?.video).toMatchObject({ codec: 'h264', width: 640, height: 480 });
    expect((await probeBytes(fetched['input_audios']![0]!))?.audio?.codec).toMatch(/^mp3/);
    expect((await probeBytes(fetched['input_images']![0]!))?.video?.codec).toBe('mjpeg');
    const status = await discord.waitForCall((c) => c.route === 'createMessage' && String(c.json?.content).includes('(converted: 752p HEVC'), 10_000, 'a thread message with the conversion');
    expect(status.json?.allowed_mentions).toBeDefined();
  });

  it('an iPhone HEIC photo (a grid of HEVC tiles, turned by irot) reaches Oxen as one upright JPEG', async () => {
    world = await startWorld({ media: converter });
    const { discord, oxen } = world;
    const photo = discord.attachment('IMG_4032.HEIC', await iphoneStyleHeic(), { contentType: 'image/heic', ephemeral: true });
    const payload = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: STRING, value: '@IMG_4032.HEIC waves' }, { name: 'image1', type: ATTACHMENT, value: photo.id }], [photo]);
    await discord.dispatchInteraction(payload);
    expect(await answerTo(discord, payload, 60_000)).toMatch(/@Image1 = `IMG_4032\.HEIC` \(converted: HEIC → JPEG, [\d.]+ MB → [\d.]+ MB\)/);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 10_000, 'the enqueue');
    const fetched = await fetchEnqueuedReferences(world.core.host, JSON.parse(oxen.requestsTo('enqueue')[0]!.body) as Record<string, unknown>);
    const [image] = fetched['input_images']!;
    expect((await probeBytes(image!))?.video?.codec).toBe('mjpeg');
    expect(await quadrantsOf(image!)).toEqual({ width: 88, height: 120, topLeft: 'green', topRight: 'white', bottomRight: 'blue', bottomLeft: 'red' });
  });
});
