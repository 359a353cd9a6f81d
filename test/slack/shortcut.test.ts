/**
 * The message shortcut "Make video" and its modal: the message's files, then the files added in
 * the modal's file input, become references; typed-field problems show in the modal; the ack of
 * the submission comes at once while the files are fetched (the 3 s rule).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { messageShortcut, viewSubmission } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

type View = { callback_id: string; private_metadata: string; blocks: { block_id?: string; element?: { type: string; options?: { value: string }[] } }[] };

const select = (value: string) => ({ value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: value }, value } } });

async function openModal(w: World, message: { ts: string; text?: string; thread_ts?: string; files?: ReturnType<World['slack']['addFile']>[] }): Promise<View> {
  const ack = await w.bot.sender.interactive(messageShortcut({ callbackId: 'make_video', user: 'U1', channel: 'C1', message, responseUrl: w.slack.responseUrl() }));
  expect(ack.status).toBe(200);
  await eventually(() => w.slack.callsTo('views.open').length === 1, 3_000, 'views.open');
  return w.slack.callsTo('views.open')[0]!.args['view'] as View;
}

describe('the "Make video" shortcut', () => {
  it('opens a modal with the catalog choices and submits the message files plus the modal files', async () => {
    world = await startWorld();
    const { slack, oxen, bot } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const clip = slack.addFile('clip3s.mp4', fixture('clip3s.mp4'), 'video/mp4');
    const message = slack.addMessage({ channel: 'C1', user: 'U9', text: 'my cat', files: [cat] });
    const view = await openModal(world, { ts: message.ts, text: 'my cat', files: [cat] });

    expect(view.callback_id).toBe('make_video_modal');
    const blockIds = view.blocks.map((b) => b.block_id).filter(Boolean);
    expect(blockIds).toEqual(['prompt', 'version', 'tier', 'mode', 'resolution', 'duration', 'aspectRatio', 'audio', 'watermark', 'count', 'frames', 'faces', 'seed', 'files']);
    expect(view.blocks.find((b) => b.block_id === 'files')!.element!.type).toBe('file_input');
    expect(view.blocks.find((b) => b.block_id === 'resolution')!.element!.options!.map((o) => o.value)).toEqual(['default', '480p', '720p', '1080p', '4k']);
    expect(JSON.parse(view.private_metadata)).toEqual({ c: 'C1', f: [cat.id] });

    const submitted = await bot.sender.interactive(
      viewSubmission({
        user: 'U1',
        callbackId: 'make_video_modal',
        privateMetadata: view.private_metadata,
        values: {
          prompt: { value: { type: 'plain_text_input', value: '@cat.png walks like @clip3s.mp4' } },
          tier: select('mini'),
          resolution: select('480p'),
          duration: select('6'),
          audio: select('off'),
          files: { value: { type: 'file_input', files: [clip] } },
        },
      }),
    );
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe('');

    const job = await onlyJob(bot.core);
    expect(job.references.map((r) => [r.label, r.name])).toEqual([
      ['@Image1', 'cat.png'],
      ['@Video1', 'clip3s.mp4'],
    ]);
    expect(job.request.options).toMatchObject({ tier: 'mini', resolution: '480p', duration: 6, audio: false });
    expect(slack.callsTo('files.info').map((c) => c.args['file'])).toContain(cat.id);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');
    expect(JSON.parse(oxen.requestsTo('enqueue')[0]!.body)['prompt']).toBe('@Image1 walks like @Video1');
    expect([...slack.uploads.values()][0]!.completed!.channel_id).toBe('C1');
  });

  it("has Discord's /video options too: watermark, count and first/last frame, read with the flags typed in the prompt", async () => {
    world = await startWorld();
    const { slack, oxen, bot } = world;
    const message = slack.addMessage({ channel: 'C1', user: 'U9', text: 'a fox' });
    const view = await openModal(world, { ts: message.ts, text: 'a fox' });
    const optionsOf = (id: string) => view.blocks.find((b) => b.block_id === id)!.element!.options!.map((o) => o.value);
    expect(optionsOf('watermark')).toEqual(['default', 'on', 'off']);
    expect(optionsOf('count')).toEqual(['default', '1', '2', '3', '4']);
    expect(optionsOf('frames')).toEqual(['default', 'off', 'first', 'first-last']);

    const submitted = await bot.sender.interactive(
      viewSubmission({
        user: 'U1',
        callbackId: 'make_video_modal',
        privateMetadata: view.private_metadata,
        values: {
          prompt: { value: { type: 'plain_text_input', value: 'a fox in the snow --duration 5 --ar 9:16' } },
          watermark: select('on'),
          count: select('2'),
          tier: select('default'),
        },
      }),
    );
    expect(submitted.body).toBe('');
    const job = await onlyJob(bot.core);
    expect(job.request.prompt).toBe('a fox in the snow');
    expect(job.request.options).toMatchObject({ watermark: true, count: 2, duration: 5, aspectRatio: '9:16', tier: 'auto' });
    // "Default" sets nothing: only what was chosen or typed is the person's.
    expect([...(job.request.given ?? [])].sort()).toEqual(['aspectRatio', 'count', 'duration', 'watermark']);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'enqueued');
    expect(JSON.parse(oxen.requestsTo('enqueue')[0]!.body)).toMatchObject({ watermark: true, num_generations: 2, duration: 5 });
  });

  it('shows problems with the typed fields in the modal itself', async () => {
    world = await startWorld();
    const view = await openModal(world, { ts: world.slack.addMessage({ channel: 'C1', user: 'U9', text: '' }).ts });
    const answer = await world.bot.sender.interactive(
      viewSubmission({ user: 'U1', callbackId: 'make_video_modal', privateMetadata: view.private_metadata, values: { prompt: { value: { type: 'plain_text_input', value: '   ' } } } }),
    );
    const body = JSON.parse(answer.body) as { response_action: string; errors: Record<string, string> };
    expect(body.response_action).toBe('errors');
    expect(body.errors['prompt']).toContain('The prompt is empty');
    expect(world.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('acks the submission within 3 s while slow downloads continue', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const message = slack.addMessage({ channel: 'C1', user: 'U9', text: 'cat', files: [cat] });
    const view = await openModal(world, { ts: message.ts, files: [cat] });
    slack.switches.downloadDelayMs = 3_300;
    const submitted = await bot.sender.interactive(
      viewSubmission({ user: 'U1', callbackId: 'make_video_modal', privateMetadata: view.private_metadata, values: { prompt: { value: { type: 'plain_text_input', value: 'the cat dances' } } } }),
    );
    expect(submitted.status).toBe(200);
    expect(submitted.ms).toBeLessThan(1_000);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    // The work went on after the ack: the job appears once the download is done.
    const job = await onlyJob(bot.core);
    expect(job.references.map((r) => r.name)).toEqual(['cat.png']);
  });
});
