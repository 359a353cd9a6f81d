/**
 * `/video show <id>` recalls one job of this workspace, and Remix on a delivered video makes a new
 * reference-to-video job whose @Video1 is that video: the real Bolt app against the fake Slack and
 * the fake Oxen. The enqueue body's references are fetched the way Oxen fetches them: the video is
 * the delivered one, byte for byte, and the earlier picture goes with it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blockAction, viewSubmission } from '../fakes/slack/index.js';
import type { JobRecord } from '../../src/core/jobs/job.js';
import { ResultLinks } from '../../src/core/jobs/result-links.js';
import { fetchEnqueuedReferences } from '../helpers/fetch-references.js';
import { appMention } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const links = new ResultLinks({ publicBaseUrl: 'https://bot.example.com', secret: 'k', keepsMs: 30 * 86_400_000 });
type ActionsBlock = { type: string; elements?: { action_id: string; value: string }[] };
const buttonsIn = (blocks: unknown) => ((blocks ?? []) as ActionsBlock[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements!.map((e) => `${e.action_id}=${e.value}`));
type View = { callback_id: string; private_metadata: string; blocks: { block_id?: string; element?: { initial_value?: string } }[] };
const opened = (w: World) => w.slack.callsTo('views.open').map((c) => c.args['view'] as View);

async function finished(w: World, job: JobRecord) {
  await eventually(async () => (await stateOf(w.bot.core, job.id)) === 'done', 10_000, 'done');
}

async function show(w: World, text: string, fields: Record<string, string> = {}) {
  const before = w.slack.responses.length;
  await w.bot.sender.command(text, fields);
  await eventually(() => w.slack.responses.length > before, 5_000, 'the answer');
  return w.slack.responses[before]!.body;
}

describe('/video show', () => {
  it('shows the status, parameters, cost, lasting link and the owner buttons; others see it without them; another workspace and bad ids get no such job', async () => {
    world = await startWorld({ linkFor: (job, generation) => links.linkFor(job, generation) });
    const { bot } = world;
    await bot.sender.command('a fox in snow --duration 5');
    const job = await onlyJob(bot.core);
    await finished(world, job);
    const done = (await bot.core.service.status(job.id)) as { ok: true; value: { job: JobRecord } };

    const own = await show(world, `show Job \`${job.id.toUpperCase()}\``);
    expect(own['response_type']).toBe('ephemeral');
    const text = JSON.stringify(own['blocks']);
    expect(text).toContain(`*Job \`${job.id}\`*`);
    expect(text).toContain('a fox in snow');
    expect(text).toContain('Done');
    expect(text).toContain('duration `5`');
    expect(text).toContain('Cost: estimated');
    expect(text).toContain(links.linkFor(done.value.job, done.value.job.generations[0]!)!.url);
    expect(buttonsIn(own['blocks'])).toEqual([`job_retry=${job.id}`, `job_edit=${job.id}`, `job_params=${job.id}`, `job_remix=${job.id}:1`]);

    const others = await show(world, `show ${job.id}`, { user_id: 'U2' });
    expect(JSON.stringify(others['blocks'])).toContain('a fox in snow');
    expect(buttonsIn(others['blocks'])).toEqual([`job_params=${job.id}`]);

    // Another workspace: answered exactly as an id nobody has.
    const elsewhere = await show(world, `show ${job.id}`, { team_id: 'T9' });
    const unknown = await show(world, 'show zzzzzz');
    expect(String(elsewhere['text'])).toBe(String(unknown['text']).replace('zzzzzz', job.id));
    expect(String(elsewhere['text'])).toContain(`There is no job \`${job.id}\``);
    expect(JSON.stringify(elsewhere)).not.toContain('fox');

    const bad = await show(world, 'show <@U123|bob>');
    expect(String(bad['text'])).toContain('is not a job id');
    expect(String(bad['text'])).not.toContain('<@');
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(1);
  });
});

describe('Remix', () => {
  it('only the owner gets the form, with the prompt; the new job sends the delivered video as @Video1 and the earlier picture', async () => {
    world = await startWorld();
    const { bot, slack, oxen } = world;
    const text = '<@UBOT> the cat @cat.png jumps --duration 4';
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text, files: [cat] });
    await bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts, files: [cat] }));
    const job = await onlyJob(bot.core);
    await finished(world, job);
    const thread = (await bot.core.service.status(job.id)) as { ok: true; value: { job: JobRecord } };
    const delivered = slack.callsTo('chat.postMessage').find((c) => JSON.stringify(c.args['blocks'] ?? '').includes('delivered:'))!;
    expect(buttonsIn(delivered.args['blocks'])).toEqual([`job_retry=${job.id}`, `job_edit=${job.id}`, `job_remix=${job.id}:1`, `job_params=${job.id}`]);
    const click = (user: string) =>
      bot.sender.interactive(blockAction({ user, channel: 'C1', messageTs: thread.value.job.destination.threadId ?? '1.0', actionId: 'job_remix', value: `${job.id}:1`, responseUrl: slack.responseUrl() }));

    await click('U2');
    await eventually(() => slack.responses.length === 1, 3_000, "Bob's refusal");
    expect(String(slack.responses[0]!.body['text'])).toContain(`Only the person who started \`${job.id}\``);
    expect(opened(world)).toHaveLength(0);

    await click('U1');
    await eventually(() => opened(world!).length === 1, 3_000, 'the form');
    const view = opened(world)[0]!;
    expect(view.callback_id).toBe('job_remix_modal');
    expect(view.private_metadata).toBe(`${job.id}:1`);
    expect(view.blocks.find((b) => b.block_id === 'prompt')!.element!.initial_value).toBe('the cat @Image1 jumps');

    const before = oxen.requestCounts().resultFile ?? 0;
    const ack = await bot.sender.interactive(
      viewSubmission({ user: 'U1', callbackId: 'job_remix_modal', privateMetadata: view.private_metadata, values: { prompt: { value: { type: 'plain_text_input', value: 'the cat @Image1 rides @Video1' } }, options: { value: { type: 'plain_text_input', value: '' } } } }),
    );
    expect(ack.status).toBe(200);
    await eventually(() => oxen.requestsTo('enqueue').length === 2, 10_000, 'the remix enqueue');
    expect((oxen.requestCounts().resultFile ?? 0) - before).toBe(1);
    const body = JSON.parse(oxen.requestsTo('enqueue')[1]!.body) as Record<string, unknown>;
    expect(String(body['model'])).toMatch(/reference/);
    expect(body['prompt']).toBe('the cat @Image1 rides @Video1');
    const fetched = await fetchEnqueuedReferences(bot.core.host, body);
    expect(Buffer.from(fetched['input_videos']![0]!).equals(Buffer.from(fixture('clip3s.mp4')))).toBe(true);
    expect(Buffer.from(fetched['input_images']![0]!).equals(Buffer.from(fixture('cat.png')))).toBe(true);
    const remix = (await bot.core.service.list({ platform: 'slack', userId: 'U1' })).find((v) => v.job.remixOf)!.job;
    expect(remix.remixOf).toEqual({ jobId: job.id, index: 1, kept: [0] });
    expect(remix.request.options.mode).toBe('reference');
  });

  it('of the second of two videos: Remix 2 fetches that generation; Retry of the remix remixes the same video again', async () => {
    world = await startWorld();
    const { bot, slack, oxen } = world;
    await bot.sender.command('two foxes --count 2 --duration 4');
    const job = await onlyJob(bot.core);
    await finished(world, job);
    const done = ((await bot.core.service.status(job.id)) as { ok: true; value: { job: JobRecord } }).value.job;
    const rows = slack.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args['blocks'] ?? '').includes('delivered:')).map((c) => buttonsIn(c.args['blocks']));
    expect(rows.flat()).toEqual(expect.arrayContaining([`job_remix=${job.id}:1`, `job_remix=${job.id}:2`]));

    const second = done.generations[1]!.id;
    const looked = () => oxen.requests.filter((r) => r.path.includes(second)).length;
    const before = looked();
    await bot.sender.interactive(
      viewSubmission({ user: 'U1', callbackId: 'job_remix_modal', privateMetadata: `${job.id}:2`, values: { prompt: { value: { type: 'plain_text_input', value: 'the fox @Video1 sleeps' } }, options: { value: { type: 'plain_text_input', value: '--count 1' } } } }),
    );
    let remix: JobRecord | undefined;
    await eventually(async () => (remix = (await bot.core.service.list({ platform: 'slack', userId: 'U1' })).find((v) => v.job.remixOf)?.job) !== undefined, 5_000, 'the remix');
    expect(remix!.remixOf).toEqual({ jobId: job.id, index: 2, kept: [] });
    expect(remix!.request.options.count).toBe(1);
    expect(looked()).toBeGreaterThan(before);
    await finished(world, remix!);

    await bot.sender.interactive(blockAction({ user: 'U1', channel: 'C1', messageTs: remix!.destination.statusMessageId!, actionId: 'job_retry', value: remix!.id, responseUrl: slack.responseUrl() }));
    await eventually(() => oxen.requestsTo('enqueue').length === 3, 10_000, 'the retried remix');
    const body = JSON.parse(oxen.requestsTo('enqueue')[2]!.body) as Record<string, unknown>;
    const fetched = await fetchEnqueuedReferences(bot.core.host, body);
    expect(Buffer.from(fetched['input_videos']![0]!).equals(Buffer.from(fixture('clip3s.mp4')))).toBe(true);
    const retried = (await bot.core.service.list({ platform: 'slack', userId: 'U1' })).find((v) => v.job.retryOf === remix!.id)!.job;
    expect(retried.remixOf).toEqual({ jobId: job.id, index: 2, kept: [] });
  });

  it('checks the budget before fetching the video: a refused remix downloads nothing and says why in the channel', async () => {
    world = await startWorld({ service: { budget: { videoSecondsPerDay: 9 } } });
    const { bot, slack, oxen } = world;
    await bot.sender.command('a fox in snow --duration 5');
    const job = await onlyJob(bot.core);
    await finished(world, job);
    const before = oxen.requestCounts().resultFile ?? 0;
    const ack = await bot.sender.interactive(
      viewSubmission({ user: 'U1', callbackId: 'job_remix_modal', privateMetadata: `${job.id}:1`, values: { prompt: { value: { type: 'plain_text_input', value: 'the fox @Video1 jumps' } }, options: { value: { type: 'plain_text_input', value: '' } } } }),
    );
    expect(ack.status).toBe(200);
    await eventually(() => slack.callsTo('chat.postEphemeral').length > 0, 5_000, 'the refusal');
    expect(String(slack.callsTo('chat.postEphemeral')[0]!.args['text'])).toMatch(/video-seconds/);
    expect((oxen.requestCounts().resultFile ?? 0) - before).toBe(0);
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);

    // A form whose metadata was tampered with is refused in the form itself.
    const tampered = await bot.sender.interactive(
      viewSubmission({ user: 'U1', callbackId: 'job_remix_modal', privateMetadata: `${job.id}:9`, values: { prompt: { value: { type: 'plain_text_input', value: 'x' } } } }),
    );
    expect(tampered.body).toContain('errors');
  });
});
