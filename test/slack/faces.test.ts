/**
 * Faces, prompts that name every file, and Seedance's known failures, on Slack end to end: the
 * real Bolt app against the fake Slack and the fake Oxen (which refuses unmarked faces and fails
 * jobs the ways Seedance does). Asserted: the body Oxen receives, and what people read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appMention, messageShortcut, viewSubmission } from '../fakes/slack/index.js';
import type { SeedanceFailure } from '../fakes/oxen/index.js';
import { eventually, fixture, onlyJob, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function mention(w: World, text: string, files: ReturnType<World['slack']['addFile']>[] = [], user = 'U1') {
  const message = w.slack.addMessage({ channel: 'C1', user, text, files });
  const sent = await w.bot.sender.event(appMention({ channel: 'C1', user, text, ts: message.ts, files }));
  expect(sent.status).toBe(200);
}

const lastBody = (w: World) => JSON.parse(w.oxen.requestsTo('enqueue').at(-1)!.body) as Record<string, unknown>;

/** The status message of a job, as people see it now (its blocks, as text). */
function statusOf(w: World, jobId: string): string {
  const message = w.slack.messages.find((m) => m.text?.includes(jobId) && m.thread_ts === undefined)!;
  return JSON.stringify(message.blocks ?? []).replace(/\\n/g, '\n');
}

async function ended(w: World, jobId: string, state: string) {
  await eventually(async () => (await stateOf(w.bot.core, jobId)) === state, 8_000, `job ${jobId} ${state}`);
}

describe('faces on Slack', () => {
  it('--face by file name: the selfie goes in the face field, the model\'s prompt is renumbered, and the status shows it', async () => {
    world = await startWorld({ oxen: { timing: { queuedMs: 20, processingMs: 40 } } });
    world.oxen.switches.facesInReferences = (url) => url.endsWith('/selfie.jpg');
    const cat = world.slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const selfie = world.slack.addFile('selfie.jpg', fixture('dog.jpg'), 'image/jpeg');
    await mention(world, '<@UBOT> @cat.png sits on the lap of @Image2 --face @selfie.jpg', [cat, selfie]);

    const job = await onlyJob(world.bot.core);
    await ended(world, job.id, 'done');
    await eventually(() => statusOf(world!, job.id).includes('Done'), 3_000, 'the final status');
    const body = lastBody(world);
    expect(body['input_face_images']).toEqual([expect.stringMatching(/\/selfie\.jpg$/)]);
    expect(body['input_images']).toEqual([expect.stringMatching(/\/cat\.png$/)]);
    // Seedance numbers faces first: the selfie is the model's @Image1, the cat its @Image2.
    expect(body['prompt']).toBe('@Image2 sits on the lap of @Image1');
    const status = statusOf(world, job.id);
    expect(status).toContain('@Image2 sits on the lap of @Image1');
    expect(status).toContain('@Image1 = selfie.jpg (real face, your @Image2)');
    expect(status).toContain('@Image2 = cat.png (your @Image1)');
  });

  it('an unmarked face fails with a sentence that says how to mark it; marked in the Make video form, it goes through', async () => {
    world = await startWorld({ oxen: { timing: { queuedMs: 20, processingMs: 40 } } });
    world.oxen.switches.facesInReferences = true;
    const selfie = world.slack.addFile('selfie.jpg', fixture('dog.jpg'), 'image/jpeg');
    await mention(world, '<@UBOT> a portrait that smiles', [selfie]);
    const failed = await onlyJob(world.bot.core);
    await ended(world, failed.id, 'failed');
    expect((await world.handle.store.get(failed.id))!.failure!.code).toBe('oxen.real_face');
    await eventually(() => statusOf(world!, failed.id).includes('real person'), 3_000, 'the failure shown');
    const sentence = statusOf(world, failed.id);
    expect(sentence).toContain('shows a real person');
    expect(sentence).toContain('`--face @Image1`');
    expect(sentence).toContain('*Real faces* in the Make video form');

    // The form: its Real faces field marks the file.
    const message = world.slack.addMessage({ channel: 'C1', user: 'U9', text: 'me', files: [selfie] });
    await world.bot.sender.interactive(messageShortcut({ callbackId: 'make_video', user: 'U1', channel: 'C1', message, responseUrl: world.slack.responseUrl() }));
    await eventually(() => world!.slack.callsTo('views.open').length === 1, 3_000, 'views.open');
    const view = world.slack.callsTo('views.open')[0]!.args['view'] as { private_metadata: string; blocks: { block_id?: string; element?: { type: string } }[] };
    expect(view.blocks.find((b) => b.block_id === 'faces')!.element!.type).toBe('plain_text_input');
    const submitted = await world.bot.sender.interactive(
      viewSubmission({
        user: 'U1',
        callbackId: 'make_video_modal',
        privateMetadata: view.private_metadata,
        values: { prompt: { value: { type: 'plain_text_input', value: 'a portrait that smiles' } }, faces: { value: { type: 'plain_text_input', value: '@Image1' } } },
      }),
    );
    expect(submitted.status).toBe(200);
    await eventually(() => world!.oxen.requestsTo('enqueue').length === 2, 8_000, 'the second enqueue');
    const body = lastBody(world);
    expect(body['input_face_images']).toEqual([expect.stringMatching(/\/selfie\.jpg$/)]);
    expect(body).not.toHaveProperty('input_images');
    expect(body['prompt']).toBe('a portrait that smiles. Use @Image1 as a reference image.');
    const jobs = await world.bot.core.service.list({ platform: 'slack', userId: 'U1' });
    await ended(world, jobs[0]!.job.id, 'done');
  });
});

describe('faces in image-to-video, on Slack', () => {
  it('--first-frame --last-frame with the last frame marked: tail_image_url_has_face only', async () => {
    world = await startWorld();
    world.oxen.switches.facesInReferences = (url) => url.endsWith('/selfie.jpg');
    const cat = world.slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const selfie = world.slack.addFile('selfie.jpg', fixture('dog.jpg'), 'image/jpeg');
    await mention(world, '<@UBOT> the cat turns into a person --first-frame --last-frame --face @selfie.jpg', [cat, selfie]);
    const job = await onlyJob(world.bot.core);
    await ended(world, job.id, 'done');
    const body = lastBody(world);
    expect(String(body['model'])).toMatch(/image-to-video$/);
    expect(body['input_image']).toMatch(/\/cat\.png$/);
    expect(body['tail_image_url']).toMatch(/\/selfie\.jpg$/);
    expect(body['tail_image_url_has_face']).toBe(true);
    expect(body).not.toHaveProperty('input_image_has_face');
  });
});

describe('help on Slack', () => {
  it('`/video help` says how to mark faces and that every file is named for the model', async () => {
    world = await startWorld();
    const ack = await world.bot.sender.command('help');
    const text = (JSON.parse(ack.body) as { text: string }).text;
    expect(text).toContain('`--face @Image1`');
    expect(text).toContain('*Real faces*');
    expect(text).toContain('Use @Image2 as a reference image.');
    expect(text).toContain('Seedance refuses files that show a real face unless they are marked');
  });
});

describe('prompts that use every file, on Slack', () => {
  it('files the prompt does not name are named for the model, and the status message shows the prompt sent', async () => {
    world = await startWorld();
    const cat = world.slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const dog = world.slack.addFile('dog.jpg', fixture('dog.jpg'), 'image/jpeg');
    const clip = world.slack.addFile('clip3s.mp4', fixture('clip3s.mp4'), 'video/mp4');
    await mention(world, '<@UBOT> @dog.jpg runs on a beach', [cat, dog, clip]);
    const job = await onlyJob(world.bot.core);
    await ended(world, job.id, 'done');
    const sent = '@Image2 runs on a beach. Use @Image1 as a reference image. Use @Video1 as a reference video.';
    expect(lastBody(world)['prompt']).toBe(sent);
    expect(statusOf(world, job.id)).toContain(sent);
    expect(statusOf(world, job.id)).toContain('@Image1 = cat.png, @Image2 = dog.jpg, @Video1 = clip3s.mp4');
  });
});

describe('failures people can act on, on Slack', () => {
  it.each([
    ['output_moderated', 'oxen.output_moderated', 'blocked the finished video'],
    ['input_moderated', 'oxen.input_moderated', 'refused the prompt or one of the files'],
    ['reference_forbidden', 'oxen.reference_unreachable', 'could not download one of the files'],
    ['parameter_refused', 'oxen.parameter_refused', 'refused one of the settings'],
    ['insufficient_credits', 'oxen.insufficient_credits', 'run out of credits'],
  ] as [SeedanceFailure, string, string][])('%s: its own code and sentence, and no reference URL shown', async (failure, code, words) => {
    world = await startWorld();
    world.oxen.switches.failure = failure;
    const cat = world.slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    await mention(world, '<@UBOT> @cat.png jumps', [cat]);
    const job = await onlyJob(world.bot.core);
    await ended(world, job.id, 'failed');
    expect((await world.handle.store.get(job.id))!.failure!.code).toBe(code);
    await eventually(() => statusOf(world!, job.id).includes(words), 3_000, 'the failure shown');
    const status = statusOf(world, job.id);
    expect(status).not.toContain('bot.example.com');
    expect(status).not.toContain('SensitiveContentDetected');
  });
});
