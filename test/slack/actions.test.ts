/**
 * Cancel and Retry buttons: owner only (or an admin), the job id travels in the button so they
 * work after a restart (Redis store, a new bot process on the same data), and Retry fetches the
 * same Slack files again by id.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blockAction } from '../fakes/slack/index.js';
import { redisStore } from '../helpers/harness.js';
import type { JobRecord } from '../../src/core/jobs/job.js';
import { eventually, fixture, onlyJob, startWorld, stateOf, type Bot, type World } from './helpers.js';
import { appMention } from '../fakes/slack/index.js';

let world: World | undefined;
const extra: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await world?.close();
  world = undefined;
  for (const cleanup of extra.splice(0)) await cleanup();
});

function click(w: World, bot: Bot, job: JobRecord, actionId: 'job_cancel' | 'job_retry', user: string) {
  return bot.sender.interactive(
    blockAction({ user, channel: job.destination.channelId, messageTs: job.destination.statusMessageId!, actionId, value: job.id, responseUrl: w.slack.responseUrl() }),
  );
}

const buttonsOf = (w: World, job: JobRecord) =>
  ((w.slack.message('C1', job.destination.statusMessageId!)!.blocks ?? []) as { type: string; elements?: { action_id: string }[] }[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements!.map((e) => e.action_id));

describe('Cancel and Retry buttons', () => {
  it('are for the owner only: anyone else gets a private sentence and nothing happens', async () => {
    world = await startWorld({ timing: 'manual' });
    const { bot, slack, oxen } = world;
    await bot.sender.command('a guarded fox');
    const job = await onlyJob(bot.core);
    expect(buttonsOf(world, job)).toEqual(['job_cancel', 'job_edit', 'job_params']);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'enqueued');

    const ack = await click(world, bot, job, 'job_cancel', 'U2');
    expect(ack.status).toBe(200);
    await eventually(() => slack.responses.length === 1, 3_000, 'the refusal');
    expect(slack.responses[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(slack.responses[0]!.body['text'])).toContain(`Only the person who started \`${job.id}\``);
    await click(world, bot, job, 'job_retry', 'U2');
    await eventually(() => slack.responses.length === 2, 3_000, 'the second refusal');
    expect(await stateOf(bot.core, job.id)).toBe('running');
    expect(oxen.requestsTo('cancel')).toHaveLength(0);

    await click(world, bot, job, 'job_cancel', 'U1');
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'cancelled', 5_000, 'cancelled');
    await eventually(() => buttonsOf(world!, job).join() === 'job_retry,job_edit,job_params', 3_000, 'the Retry button');
    expect(slack.message('C1', job.destination.statusMessageId!)!.text).toMatch(/Cancelled/);
  });

  it('let an admin cancel anyone\'s job', async () => {
    world = await startWorld({ timing: 'manual', service: { admins: new Set(['slack:UADMIN']) } });
    const { bot } = world;
    await bot.sender.command('an admin cancels this');
    const job = await onlyJob(bot.core);
    await click(world, bot, job, 'job_cancel', 'UADMIN');
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'cancelled', 5_000, 'cancelled');
  });

  it('Retry fetches the same Slack files again and starts a new job in the same place', async () => {
    world = await startWorld({ timing: 'manual' });
    const { bot, slack } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text: '<@UBOT> the cat', files: [cat] });
    await bot.sender.event(appMention({ channel: 'C1', user: 'U1', text: '<@UBOT> the cat', ts: message.ts, files: [cat] }));
    const job = await onlyJob(bot.core);
    await bot.core.service.cancel(job.id, { platform: 'slack', userId: 'U1' });
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'cancelled', 5_000, 'cancelled');

    await click(world, bot, job, 'job_retry', 'U1');
    let retried: JobRecord | undefined;
    await eventually(async () => (retried = (await bot.core.service.list({ platform: 'slack', userId: 'U1' })).find((v) => v.job.retryOf === job.id)?.job) !== undefined, 5_000, 'the retry');
    expect(retried!.references.map((r) => r.name)).toEqual(['cat.png']);
    expect(slack.callsTo('files.info').map((c) => c.args['file'])).toContain(cat.id);
    expect(slack.downloads.filter((d) => d.fileId === cat.id)).toHaveLength(2);
    expect(retried!.destination.channelId).toBe('C1');
  });
});

describe('after a restart', () => {
  it('a Cancel button on an old status message still works, on a new bot over the same Redis data', async () => {
    const handle = redisStore();
    world = await startWorld({ timing: 'manual', store: handle });
    const { slack, oxen } = world;
    await world.bot.sender.command('a fox that outlives its bot');
    const job = await onlyJob(world.bot.core);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'enqueued');
    await world.bot.stop();

    const store = handle.reopen();
    extra.push(() => store.close());
    const second = await world.startBot(store);
    const updatesBefore = slack.callsTo('chat.update').length;
    const ack = await click(world, second, job, 'job_cancel', 'U1');
    expect(ack.status).toBe(200);
    await eventually(async () => (await stateOf(second.core, job.id)) === 'cancelled', 5_000, 'cancelled after the restart');
    expect(oxen.requestsTo('cancel')).toHaveLength(1);
    await eventually(() => slack.callsTo('chat.update').length > updatesBefore && /Cancelled/.test(slack.message('C1', job.destination.statusMessageId!)!.text ?? ''), 3_000, 'the status edit');
  });
});
