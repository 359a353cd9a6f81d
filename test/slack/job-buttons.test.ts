/**
 * Slack's job buttons match Discord's: Cancel, Edit prompt and Parameters on a running job; Retry,
 * Edit prompt and Parameters once it ended and with every delivered video. Edit prompt opens a
 * form with the prompt and makes a new job with the edited prompt, the same options and the same
 * files (as Discord's does); the owner is checked on the click and again on the submission, and
 * the job id that comes back in the button or the form is checked before it is trusted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appMention, blockAction, viewSubmission } from '../fakes/slack/index.js';
import type { JobRecord } from '../../src/core/jobs/job.js';
import { eventually, fixture, onlyJob, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

type ActionsBlock = { type: string; block_id?: string; elements?: { action_id: string; value: string }[] };

function click(w: World, job: JobRecord, actionId: string, user: string, value = job.id, messageTs = job.destination.statusMessageId!) {
  return w.bot.sender.interactive(blockAction({ user, channel: job.destination.channelId, messageTs, actionId, value, responseUrl: w.slack.responseUrl() }));
}

const buttonsIn = (blocks: unknown[] | undefined) =>
  ((blocks ?? []) as ActionsBlock[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements!.map((e) => `${e.action_id}=${e.value}`));

const statusButtons = (w: World, job: JobRecord) => buttonsIn(w.slack.message('C1', job.destination.statusMessageId!)!.blocks);

type View = { callback_id: string; private_metadata: string; blocks: { block_id?: string; element?: { initial_value?: string } }[] };
const opened = (w: World) => w.slack.callsTo('views.open').map((c) => c.args['view'] as View);

function submitEdit(w: World, user: string, metadata: string, prompt: string) {
  return w.bot.sender.interactive(
    viewSubmission({ user, callbackId: 'job_edit_modal', privateMetadata: metadata, values: { prompt: { value: { type: 'plain_text_input', value: prompt } } } }),
  );
}

async function jobWithFile(w: World, text = '<@UBOT> the cat @cat.png jumps --mini --res 480p --duration 6 --no-audio') {
  const cat = w.slack.addFile('cat.png', fixture('cat.png'), 'image/png');
  const message = w.slack.addMessage({ channel: 'C1', user: 'U1', text, files: [cat] });
  await w.bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts, files: [cat] }));
  return { cat, job: await onlyJob(w.bot.core) };
}

describe('the buttons of a Slack job', () => {
  it('are Cancel, Edit prompt and Parameters while it runs, then Retry, Edit prompt and Parameters', async () => {
    world = await startWorld({ timing: 'manual' });
    const { bot } = world;
    await bot.sender.command('a fox with buttons');
    const job = await onlyJob(bot.core);
    expect(statusButtons(world, job)).toEqual([`job_cancel=${job.id}`, `job_edit=${job.id}`, `job_params=${job.id}`]);
    await bot.core.service.cancel(job.id, { platform: 'slack', userId: 'U1' });
    await eventually(() => statusButtons(world!, job)[0] === `job_retry=${job.id}`, 3_000, 'the ended buttons');
    expect(statusButtons(world, job)).toEqual([`job_retry=${job.id}`, `job_edit=${job.id}`, `job_params=${job.id}`]);
  });

  it('the delivered video carries Retry, Edit prompt, Remix and Parameters in its thread', async () => {
    world = await startWorld();
    const { bot, slack } = world;
    await bot.sender.command('a delivered fox');
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');
    const thread = job.destination.threadId ?? job.destination.statusMessageId!;
    const delivered = slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === thread && JSON.stringify(c.args['blocks'] ?? '').includes('delivered:'));
    expect(delivered).toHaveLength(1);
    expect(buttonsIn(delivered[0]!.args['blocks'] as unknown[])).toEqual([`job_retry=${job.id}`, `job_edit=${job.id}`, `job_remix=${job.id}:1`, `job_params=${job.id}`]);
    // Posted after the file, so the buttons sit right under the video.
    const upload = [...slack.uploads.values()][0]!;
    expect(upload.completed!.thread_ts).toBe(thread);
    const fileCall = slack.callsTo('files.completeUploadExternal')[0]!;
    expect(slack.calls.indexOf(fileCall)).toBeLessThan(slack.calls.indexOf(delivered[0]!));
  });

  it('the link that stands for a video it could not attach carries them too', async () => {
    world = await startWorld();
    const { bot, slack } = world;
    slack.switches.notInChannel.add('C1');
    await bot.sender.command('a fox in a private channel');
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 10_000, 'done');
    const link = slack.callsTo('chat.postMessage').find((c) => /Download it here/.test(String(c.args['text'])))!;
    expect(buttonsIn(link.args['blocks'] as unknown[])).toEqual([`job_retry=${job.id}`, `job_edit=${job.id}`, `job_remix=${job.id}:1`, `job_params=${job.id}`]);
  });

  it('Parameters shows the options privately, to anyone in the workspace', async () => {
    world = await startWorld({ timing: 'manual' });
    const { job } = await jobWithFile(world);
    await click(world, job, 'job_params', 'U2');
    await eventually(() => world!.slack.responses.length === 1, 3_000, 'the parameters');
    const answer = world.slack.responses[0]!.body;
    expect(answer).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    const text = String(answer['text']);
    expect(text).toContain(`*Job \`${job.id}\`*`);
    expect(text).toContain('tier `mini`');
    expect(text).toContain('resolution `480p`');
    expect(text).toContain('duration `6`');
    expect(text).toContain('audio `off`');
    expect(text).toContain('@Image1 = cat.png');
  });

  it('Parameters refuses a value that is not a job id, or a job of another workspace', async () => {
    world = await startWorld({ timing: 'manual' });
    const { job } = await jobWithFile(world);
    await click(world, job, 'job_params', 'U2', 'x'.repeat(1900));
    await eventually(() => world!.slack.responses.length === 1, 3_000, 'the refusal');
    expect(String(world.slack.responses[0]!.body['text'])).toMatch(/no job|not find|not found/i);
    expect(String(world.slack.responses[0]!.body['text']).length).toBeLessThan(300);
    // Same id, another workspace: not found.
    const other = blockAction({ user: 'U2', channel: 'C1', messageTs: job.destination.statusMessageId!, actionId: 'job_params', value: job.id, responseUrl: world.slack.responseUrl() });
    await world.bot.sender.interactive({ ...other, team: { id: 'T9', domain: 'other' }, user: { ...other.user, team_id: 'T9' } });
    await eventually(() => world!.slack.responses.length === 2, 3_000, 'the second refusal');
    expect(String(world.slack.responses[1]!.body['text'])).not.toContain('tier');
  });

  it('Edit prompt: only the owner gets the form, prefilled; the new job keeps the options and the files', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    const { cat, job } = await jobWithFile(world);

    await click(world, job, 'job_edit', 'U2');
    await eventually(() => slack.responses.length === 1, 3_000, 'the refusal');
    expect(String(slack.responses[0]!.body['text'])).toContain(`Only the person who started \`${job.id}\``);
    expect(opened(world)).toHaveLength(0);

    await click(world, job, 'job_edit', 'U1');
    await eventually(() => opened(world!).length === 1, 3_000, 'the form');
    const view = opened(world)[0]!;
    expect(view.callback_id).toBe('job_edit_modal');
    expect(view.private_metadata).toBe(job.id);
    expect(view.blocks.find((b) => b.block_id === 'prompt')!.element!.initial_value).toBe(job.request.prompt);

    const ack = await submitEdit(world, 'U1', view.private_metadata, 'the cat @cat.png dances');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    let edited: JobRecord | undefined;
    await eventually(async () => (edited = (await bot.core.service.list({ platform: 'slack', userId: 'U1' })).find((v) => v.job.retryOf === job.id)?.job) !== undefined, 5_000, 'the edited job');
    // The file names become labels, as in every prompt.
    expect(edited!.request.prompt).toBe('the cat @Image1 dances');
    expect(edited!.request.options).toEqual(job.request.options);
    expect(edited!.references.map((r) => [r.label, r.name])).toEqual([['@Image1', 'cat.png']]);
    expect(slack.downloads.filter((d) => d.fileId === cat.id)).toHaveLength(2);
    expect(edited!.destination.channelId).toBe('C1');
  });

  it('Edit prompt checks the owner again on submission, and the job id the form carries', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    const { job } = await jobWithFile(world);
    const errorsOf = (answer: { body: string }) => (JSON.parse(answer.body) as { response_action: string; errors: Record<string, string> }).errors['prompt'];

    expect(errorsOf(await submitEdit(world, 'U2', job.id, 'stolen'))).toContain(`Only the person who started \`${job.id}\``);
    expect(errorsOf(await submitEdit(world, 'U1', '{"c":"C1"}', 'a crafted form'))).toContain('too old');
    expect(errorsOf(await submitEdit(world, 'U1', 'zzzzzz', 'no such job'))).toMatch(/zzzzzz/);
    expect(errorsOf(await submitEdit(world, 'U1', job.id, '   '))).toContain('The prompt is empty');
    await new Promise((r) => setTimeout(r, 200));
    expect((await bot.core.service.list({ platform: 'slack', userId: 'U1' })).filter((v) => v.job.retryOf)).toHaveLength(0);
    expect(slack.downloads).toHaveLength(1);
  });
});
