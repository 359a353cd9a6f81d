/**
 * `/video` end to end: the real discord.js Client on the fake gateway, the real core against the
 * fake Oxen, the real SQLite store. Text only, with image/video/audio attachment options,
 * validation problems, the 3 s defer, the thread, the upload and what it echoes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { slashCommand, type SlashOption } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, answerTo, media, postsTo, startWorld, type World } from './helpers.js';
import { paddedMovie } from '../core/references/helpers.js';

let world: World | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && world) console.log(world.discord.calls.map((c) => `${c.method} ${c.path} ${c.status} files=${c.files.length} ${JSON.stringify(c.json)?.slice(0, 120)}`).join('\n'), world.core.errors, world.log.lines);
  await world?.close();
  world = undefined;
});

const STRING = 3;
const BOOLEAN = 5;
const ATTACHMENT = 11;

async function runVideo(w: World, options: SlashOption[], attachments: Parameters<typeof slashCommand>[3] = []) {
  const payload = slashCommand(w.discord.context(ANN), 'video', options, attachments);
  await w.discord.dispatchInteraction(payload);
  return payload;
}

describe('/video', () => {
  it('text only: defers at once, posts the status with the bot token, opens a thread, uploads the exact result', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    const payload = await runVideo(world, [
      { name: 'prompt', type: STRING, value: 'a red fox in snow @everyone <@400000000000000002>' },
      { name: 'resolution', type: STRING, value: '480p' },
      { name: 'audio', type: BOOLEAN, value: false },
    ]);

    const answer = await answerTo(discord, payload);
    expect(answer).toMatch(/^Started job `[a-z2-9]{6}`/);
    const jobId = /`([a-z2-9]{6})`/.exec(answer)![1]!;

    // The defer: first, ephemeral, well inside 3 s.
    const callback = discord.callbacks.get(payload.id)!;
    expect(callback.type).toBe(5);
    expect(callback.flags).toBe(64);
    expect(callback.at - discord.dispatchedAt.get(payload.id)!).toBeLessThan(3_000);

    // The status message: a channel message sent with the bot token, mentions off, buttons with the job id.
    const status = postsTo(discord, discord.channelId)[0]!;
    expect(status.authorization).toBe(`Bot ${discord.token}`);
    expect(status.at).toBeGreaterThanOrEqual(callback.at);
    expect(status.json.allowed_mentions).toEqual({ parse: [] });
    expect(status.json.content).toContain('a red fox in snow');
    expect(status.json.components[0].components.map((b: { custom_id: string }) => b.custom_id)).toEqual([`job:cancel:${jobId}`, `job:edit:${jobId}`, `job:params:${jobId}`]);
    // The thread is opened on the status message.
    const thread = discord.callsTo('startThread')[0]!;
    const statusMessageId = /\/messages\/(\d+)\/threads$/.exec(thread.path)![1]!;
    expect(discord.messages.get(statusMessageId)!.author.id).toBe(discord.bot.id);
    expect(discord.threads.get(statusMessageId)!.parent_id).toBe(discord.channelId);
    expect(thread.json.name).toContain(jobId);

    // The video lands in the thread: the bytes Oxen made, with a summary, mentions off.
    const upload = await discord.waitForCall((c) => c.route === 'createMessage' && c.files.length > 0 && c.path === `/channels/${statusMessageId}/messages`, 8_000, 'the upload');
    expect(upload.files[0]!.bytes.equals(Buffer.from(media('clip3s.mp4')))).toBe(true);
    expect(upload.files[0]!.name).toBe(`seedance-${jobId}.mp4`);
    // The one ping: the person who asked, when the video is ready (test/discord/ready-ping.test.ts).
    expect(upload.json.allowed_mentions).toEqual({ parse: [], users: [ANN.id] });
    expect(upload.json.content).toContain('Seedance 2.0 Fast - Text to Video');
    expect(upload.json.content).toContain('480p');
    expect(upload.json.content).toContain('no audio');
    expect(upload.json.content).toContain(jobId);
    expect(upload.authorization).toBe(`Bot ${discord.token}`);
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);

    // The status message ends as done, edited in place with the bot token.
    await eventually(() => discord.messages.get(statusMessageId)!.content.includes('✅ Done'), 5_000, 'the final status');
    const edits = discord.callsTo('editMessage').filter((c) => c.path.endsWith(statusMessageId));
    expect(edits.every((c) => c.authorization === `Bot ${discord.token}` && c.json.allowed_mentions?.parse?.length === 0)).toBe(true);
    expect(discord.messages.get(statusMessageId)!.components).toEqual([
      expect.objectContaining({ components: [expect.objectContaining({ custom_id: `job:retry:${jobId}` }), expect.anything(), expect.anything()] }),
    ]);
    // Exactly one upload, and the token never leaks into what was posted.
    expect(discord.calls.filter((c) => c.files.length > 0)).toHaveLength(1);
    expect(JSON.stringify(discord.calls.map((c) => c.json))).not.toContain(discord.token);
  });

  it('image, video and audio options become reference-to-video with @Image1 / @Video1 / @Audio1', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const clip = discord.attachment('clip3s.mp4', media('clip3s.mp4'), { contentType: 'video/mp4', ephemeral: true });
    const tone = discord.attachment('tone2s.mp3', media('tone2s.mp3'), { contentType: 'audio/mpeg', ephemeral: true });
    const payload = await runVideo(
      world,
      [
        { name: 'prompt', type: STRING, value: '@cat.png dances to @tone2s.mp3 like in @clip3s.mp4' },
        { name: 'image1', type: ATTACHMENT, value: cat.id },
        { name: 'video1', type: ATTACHMENT, value: clip.id },
        { name: 'audio1', type: ATTACHMENT, value: tone.id },
      ],
      [cat, clip, tone],
    );
    const answer = await answerTo(discord, payload);
    expect(answer).toContain('@Image1 = `cat.png`');
    expect(answer).toContain('@Video1 = `clip3s.mp4`');
    expect(answer).toContain('@Audio1 = `tone2s.mp3`');
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'the enqueue');
    const body = JSON.parse(oxen.requestsTo('enqueue')[0]!.body) as Record<string, unknown>;
    expect(String(body['model'])).toMatch(/reference-to-video$/);
    expect(body['prompt']).toBe('@Image1 dances to @Audio1 like in @Video1');
    expect(body['input_images']).toHaveLength(1);
    expect(body['input_videos']).toHaveLength(1);
    expect(body['input_audios']).toHaveLength(1);

    // The ephemeral files are kept in the thread for Retry, and the summary maps the labels.
    const jobId = /`([a-z2-9]{6})`/.exec(answer)![1]!;
    const refs = await discord.waitForCall((c) => c.route === 'createMessage' && String(c.json?.content).includes(`References of job \`${jobId}\``), 5_000, 'the references post');
    expect(refs.files.map((f) => f.name)).toEqual(['cat.png', 'clip3s.mp4', 'tone2s.mp3']);
    const upload = await discord.waitForCall((c) => c.files.some((f) => f.name.endsWith('.mp4') && f.name.startsWith('seedance-')), 8_000, 'the upload');
    expect(upload.json.content).toContain('@Image1 = `cat.png`');
  });

  it('keeps in the thread only the files a message can carry (10 MiB): a larger clip is not held in memory to post it', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const big = discord.attachment('big.mp4', paddedMovie(media('clip3s.mp4'), 12 * 1024 * 1024), { contentType: 'video/mp4', ephemeral: true });
    const payload = await runVideo(
      world,
      [
        { name: 'prompt', type: STRING, value: '@cat.png like in @big.mp4' },
        { name: 'image1', type: ATTACHMENT, value: cat.id },
        { name: 'video1', type: ATTACHMENT, value: big.id },
      ],
      [cat, big],
    );
    const answer = await answerTo(discord, payload);
    expect(answer).toContain('@Video1 = `big.mp4`');
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'the enqueue');
    const jobId = /`([a-z2-9]{6})`/.exec(answer)![1]!;
    const refs = await discord.waitForCall((c) => c.route === 'createMessage' && String(c.json?.content).includes(`References of job \`${jobId}\``), 5_000, 'the references post');
    expect(refs.files.map((f) => f.name)).toEqual(['cat.png']);
  });

  it('reports every validation problem at once, ephemeral, and spends nothing', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    const notes = discord.attachment('notes.png', new TextEncoder().encode('not an image at all'), { contentType: 'image/png', ephemeral: true });
    const payload = await runVideo(
      world,
      [
        { name: 'prompt', type: STRING, value: 'a fox' },
        { name: 'tier', type: STRING, value: 'fast' },
        { name: 'resolution', type: STRING, value: '4k' },
        { name: 'image1', type: ATTACHMENT, value: notes.id },
      ],
      [notes],
    );
    const answer = await answerTo(discord, payload);
    expect(discord.callbacks.get(payload.id)).toMatchObject({ type: 5, flags: 64 });
    expect(answer).toMatch(/for \d reasons \(nothing was spent\)/);
    expect(answer).toContain('`notes.png`');
    expect(answer).toContain('4k');
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
    expect(postsTo(discord, discord.channelId)).toHaveLength(0);
  });

  it('defers within 3 s even when Oxen is slow to answer the model schema', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    oxen.hangNext(5, 'getModel');
    const payloads: { id: string }[] = [];
    for (let i = 0; i < 5; i++) payloads.push(await runVideo(world, [{ name: 'prompt', type: STRING, value: `fox ${i}` }]));
    await eventually(() => payloads.every((p) => discord.callbacks.has(p.id)), 3_000, 'every defer');
    for (const p of payloads) expect(discord.callbacks.get(p.id)!.at - discord.dispatchedAt.get(p.id)!).toBeLessThan(1_000);
  });
});
