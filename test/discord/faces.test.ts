/**
 * Faces, prompts that name every file, and Seedance's known failures, on Discord end to end: the
 * real discord.js Client on the fake gateway and REST, the real core against the fake Oxen (which
 * refuses unmarked faces and fails jobs the ways Seedance does). Asserted: the body Oxen receives,
 * and what people read (the answer, the status message).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { apiUser, buttonPress, messageContextMenu, modalSubmit, slashCommand, type SlashOption } from '../fakes/discord/index.js';
import type { SeedanceFailure } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, answerTo, BOB, media, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail' && world) console.log(world.core.errors, world.log.lines.slice(-20));
  await world?.close();
  world = undefined;
});

const STRING = 3;
const ATTACHMENT = 11;
const lastBody = (w: World) => JSON.parse(w.oxen.requestsTo('enqueue').at(-1)!.body) as Record<string, unknown>;
const jobIdOf = (answer: string) => /Started job `([a-z2-9]{6})`/.exec(answer)?.[1] ?? '';

async function video(w: World, prompt: string, files: { name: string; fixture: string; type: string }[], extra: SlashOption[] = []) {
  const attachments = files.map((f) => w.discord.attachment(f.name, media(f.fixture), { contentType: f.type, ephemeral: true }));
  const options: SlashOption[] = [{ name: 'prompt', type: STRING, value: prompt }, ...attachments.map((a, i) => ({ name: `image${i + 1}`, type: ATTACHMENT, value: a.id })), ...extra];
  const payload = slashCommand(w.discord.context(ANN), 'video', options, attachments);
  await w.discord.dispatchInteraction(payload);
  return answerTo(w.discord, payload);
}

/** The job's status message in the channel, as it reads now. */
function statusOf(w: World, jobId: string): string {
  return [...w.discord.messages.values()].find((m) => m.channel_id === w.discord.channelId && m.content.includes(`Job \`${jobId}\``))?.content ?? '';
}

async function ended(w: World, jobId: string, state: string) {
  await eventually(async () => (await w.handle.store.get(jobId))?.state === state, 8_000, `job ${jobId} ${state}`);
}

const CAT = { name: 'cat.png', fixture: 'cat.png', type: 'image/png' };
const SELFIE = { name: 'selfie.jpg', fixture: 'dog.jpg', type: 'image/jpeg' };

describe('faces on Discord', () => {
  it('the `faces` option: the selfie goes in the face field, the prompt is renumbered for the model, and people see the same labels', async () => {
    world = await startWorld();
    world.oxen.switches.facesInReferences = (url) => url.endsWith('/selfie.jpg');
    const answer = await video(world, '@Image1 sits on the lap of @selfie.jpg', [CAT, SELFIE], [{ name: 'faces', type: STRING, value: '@Image2' }]);
    expect(answer).toContain('@Image1 = `selfie.jpg` (real face, your @Image2)');
    expect(answer).toContain('@Image2 = `cat.png` (your @Image1)');
    const id = jobIdOf(answer);
    await ended(world, id, 'done');
    const body = lastBody(world);
    expect(body['input_face_images']).toEqual([expect.stringMatching(/\/selfie\.jpg$/)]);
    expect(body['input_images']).toEqual([expect.stringMatching(/\/cat\.png$/)]);
    expect(body['prompt']).toBe('@Image2 sits on the lap of @Image1');
    await eventually(() => statusOf(world!, id).includes('✅ Done'), 3_000, 'the final status');
    expect(statusOf(world, id)).toContain('> @Image2 sits on the lap of @Image1');

    // Retry keeps the face mark and the labels: the same body again (files from the thread's copies).
    const status = [...world.discord.messages.values()].find((m) => m.channel_id === world!.discord.channelId && m.content.includes(`Job \`${id}\``))!;
    const retry = buttonPress(world.discord.context(ANN), `job:retry:${id}`, status);
    await world.discord.dispatchInteraction(retry);
    expect(await answerTo(world.discord, retry)).toMatch(/^Started job/);
    await eventually(() => world!.oxen.requestsTo('enqueue').length === 2, 8_000, 'the retry enqueue');
    const again = lastBody(world);
    expect(again['prompt']).toBe('@Image2 sits on the lap of @Image1');
    expect(again['input_face_images']).toEqual([expect.stringMatching(/\/selfie\.jpg$/)]);
  });

  it('an unmarked face fails with a sentence naming the option and the form; the form\'s Real faces field marks it', async () => {
    world = await startWorld();
    world.oxen.switches.facesInReferences = true;
    const failed = jobIdOf(await video(world, 'a portrait that smiles', [SELFIE]));
    await ended(world, failed, 'failed');
    expect((await world.handle.store.get(failed))!.failure!.code).toBe('oxen.real_face');
    await eventually(() => statusOf(world!, failed).includes('real person'), 3_000, 'the failure shown');
    expect(statusOf(world, failed)).toMatch(/shows a real person.*`faces` option of `\/video`.*Real faces field of \*\*Make video\*\*/);

    // "Make video" on a message with the selfie, the face named by file name in the form.
    const { discord } = world;
    const target = await discord.postUserMessage(ANN, { channel_id: discord.channelId, content: 'me', attachments: [discord.attachment('selfie.jpg', media('dog.jpg'), { contentType: 'image/jpeg' })] });
    const menu = messageContextMenu(discord.context(ANN), 'Make video', target);
    await discord.dispatchInteraction(menu);
    await eventually(() => discord.callbacks.has(menu.id), 3_000, 'the modal');
    const modal = discord.callsTo('interactionCallback').find((c) => c.path.includes(menu.id))!.json.data;
    expect(JSON.stringify(modal.components)).toContain('"custom_id":"faces"');
    const submit = modalSubmit(discord.context(ANN), modal.custom_id as string, { prompt: 'a portrait that smiles', options: '', faces: '@selfie.jpg' });
    await discord.dispatchInteraction(submit);
    const id = jobIdOf(await answerTo(discord, submit));
    await ended(world, id, 'done');
    const body = lastBody(world);
    expect(body['input_face_images']).toEqual([expect.stringMatching(/\/selfie\.jpg$/)]);
    expect(body).not.toHaveProperty('input_images');
  });
});

describe('the --face flag on Discord', () => {
  it('in a reply that mentions the bot: the replied-to selfie goes in the face field', async () => {
    world = await startWorld();
    world.oxen.switches.facesInReferences = (url) => url.endsWith('/selfie.jpg');
    const { discord } = world;
    const original = await discord.postUserMessage(BOB, { content: 'me', attachments: [discord.attachment('selfie.jpg', media('dog.jpg'), { contentType: 'image/jpeg' })] });
    await discord.postUserMessage(ANN, {
      type: 19,
      content: `<@${discord.bot.id}> @Image1 waves at @cat.png --face @Image1`,
      mentions: [apiUser(discord.bot)],
      message_reference: { type: 0, message_id: original.id, channel_id: discord.channelId, guild_id: discord.guildId },
      attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' })],
    });
    await eventually(() => world!.oxen.requestsTo('enqueue').length === 1, 8_000, 'the enqueue');
    const body = lastBody(world);
    expect(body['input_face_images']).toEqual([expect.stringMatching(/\/selfie\.jpg$/)]);
    expect(body['input_images']).toEqual([expect.stringMatching(/\/cat\.png$/)]);
    expect(body['prompt']).toBe('@Image1 waves at @Image2');
    await eventually(() => world!.discord.calls.some((c) => c.files.some((f) => f.name.startsWith('seedance-'))), 8_000, 'the video');
  });
});

describe('faces in image-to-video, on Discord', () => {
  it('a first frame marked as a face is sent with input_image_has_face, and Oxen makes it', async () => {
    world = await startWorld();
    world.oxen.switches.facesInReferences = true;
    const answer = await video(world, 'she turns and smiles', [SELFIE], [
      { name: 'frames', type: STRING, value: 'first' },
      { name: 'faces', type: STRING, value: '@Image1' },
    ]);
    const id = jobIdOf(answer);
    await ended(world, id, 'done');
    const body = lastBody(world);
    expect(String(body['model'])).toMatch(/image-to-video$/);
    expect(body['input_image']).toMatch(/\/selfie\.jpg$/);
    expect(body['input_image_has_face']).toBe(true);
    expect(body).not.toHaveProperty('tail_image_url_has_face');
  });
});

describe('/help on Discord', () => {
  it('says how to mark faces here (the option, the form, the flag) and that every file is named for the model', async () => {
    world = await startWorld();
    const payload = slashCommand(world.discord.context(ANN), 'help', []);
    await world.discord.dispatchInteraction(payload);
    await eventually(() => world!.discord.callbacks.has(payload.id), 3_000, 'the answer');
    const text = JSON.stringify(world.discord.calls.find((c) => c.route === 'interactionCallback' && c.path.includes(payload.token))!.json.data);
    expect(text).toContain('the `faces` option of `/video`');
    expect(text).toContain('Real faces field of **Make video**');
    expect(text).toContain('Use @Image2 as a reference image.');
  });
});

describe('prompts that use every file, on Discord', () => {
  it('files the prompt does not name are named for the model, and the status message shows that prompt', async () => {
    world = await startWorld();
    const answer = await video(world, 'a garden party', [CAT, SELFIE]);
    const id = jobIdOf(answer);
    await ended(world, id, 'done');
    const sent = 'a garden party. Use @Image1 and @Image2 as reference images.';
    expect(lastBody(world)['prompt']).toBe(sent);
    expect(statusOf(world, id)).toContain(`> ${sent}`);
    expect(answer).toContain('@Image1 = `cat.png`, @Image2 = `selfie.jpg`');
  });
});

describe('failures people can act on, on Discord', () => {
  it.each([
    ['output_moderated', 'oxen.output_moderated', 'blocked the finished video'],
    ['input_moderated', 'oxen.input_moderated', 'refused the prompt or one of the files'],
    ['reference_not_found', 'oxen.reference_unreachable', 'could not download one of the files'],
    ['parameter_refused', 'oxen.parameter_refused', 'refused one of the settings'],
    ['insufficient_credits', 'oxen.insufficient_credits', 'run out of credits'],
  ] as [SeedanceFailure, string, string][])('%s: its own code and sentence, and no reference URL shown', async (failure, code, words) => {
    world = await startWorld();
    world.oxen.switches.failure = failure;
    const id = jobIdOf(await video(world, '@cat.png jumps', [CAT]));
    await ended(world, id, 'failed');
    expect((await world.handle.store.get(id))!.failure!.code).toBe(code);
    await eventually(() => statusOf(world!, id).includes(words), 3_000, 'the failure shown');
    expect(statusOf(world, id)).not.toContain('bot.example.com');
    expect(statusOf(world, id)).not.toContain('SensitiveContentDetected');
  });
});
