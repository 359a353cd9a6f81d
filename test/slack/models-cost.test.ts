/**
 * Seedance 2.5, seeds, cost and `/video usage` on Slack end to end: the real Bolt app over HTTP
 * against the fake Slack Web API, the real core against the fake Oxen (2.5 listed with its schema
 * and prices, each generation's cost reported), the real SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { blockAction, messageShortcut, viewSubmission } from '../fakes/slack/index.js';
import type { JobRecord } from '../../src/core/jobs/job.js';
import { eventually, onlyJob, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const enqueued = (w: World) => w.oxen.requestsTo('enqueue').map((r) => JSON.parse(r.body) as Record<string, unknown>);
const statusText = (w: World, job: JobRecord) => JSON.stringify(w.slack.message('C1', job.destination.statusMessageId!)?.blocks ?? []);
/** The thread message carrying video `index`'s buttons (or its link). */
const deliveredPost = (w: World, job: JobRecord, index = 1) =>
  w.slack.messages.find((m) => m.bot_id && JSON.stringify(m.blocks ?? []).includes(`"block_id":"delivered:${job.id}:${index}"`));

/** That message is updated once with the cost, above its buttons; the update mentions no one. */
async function expectCostOnDelivery(w: World, job: JobRecord, costText: string, index = 1) {
  await eventually(() => JSON.stringify(deliveredPost(w, job, index)?.blocks ?? []).includes(costText), 5_000, 'the cost on the delivered message');
  const post = deliveredPost(w, job, index)!;
  const blocks = post.blocks as { type: string; block_id?: string }[];
  expect(blocks.at(-1)!.type).toBe('actions');
  expect(blocks.at(-2)).toMatchObject({ type: 'context', block_id: `cost:${job.id}:${index}` });
  expect(post.text).toContain(costText);
  const updates = w.slack.callsTo('chat.update').filter((c) => c.args['ts'] === post.ts);
  expect(updates).toHaveLength(1);
  // Form-encoded by the Web API client: the flag arrives as text.
  expect(updates[0]!.args['parse']).toBe('none');
  expect(String(updates[0]!.args['link_names'])).toBe('false');
  expect(JSON.stringify(blocks.at(-2))).not.toContain('<@');
}

const answers = (w: World) => w.slack.responses.map((r) => String(r.body['text'] ?? ''));

function click(w: World, job: JobRecord, actionId: string) {
  return w.bot.sender.interactive(blockAction({ user: 'U1', channel: job.destination.channelId, messageTs: job.destination.statusMessageId!, actionId, value: job.id, responseUrl: w.slack.responseUrl() }));
}

async function pressed(w: World, job: JobRecord, actionId: string): Promise<string> {
  const before = w.slack.responses.length;
  await click(w, job, actionId);
  await eventually(() => w.slack.responses.length > before, 5_000, `the answer to ${actionId}`);
  return answers(w)[before]!;
}

describe('Seedance 2.5 and cost on Slack', () => {
  it('/video --v2.5: its model and body, the estimate before anything is spent, what Oxen charged once done', async () => {
    world = await startWorld({ timing: 'manual' });
    const { bot, oxen } = world;
    await bot.sender.command('a lighthouse in a storm --v2.5 --duration 20');
    const job = await onlyJob(bot.core);
    expect(job.modelId).toBe('bytedance-seedance-2-5-text-to-video');
    await eventually(() => statusText(world!, job).includes('Estimate: $4.80 (20 s of video)'), 5_000, 'the estimate');
    await eventually(() => enqueued(world!).length === 1, 5_000, 'the enqueue');
    expect(enqueued(world)[0]).toMatchObject({ model: 'bytedance-seedance-2-5-text-to-video', duration: 20, generate_audio: true, output_format: 'mp4' });

    const [generationId] = [...oxen.generations.keys()];
    oxen.advance(generationId!);
    oxen.advance(generationId!);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');
    await eventually(() => statusText(world!, job).includes('Cost: $4.80 (as Oxen reports it)'), 5_000, 'the cost');
    expect(oxen.requestsTo('showGeneration')).toHaveLength(1);
    // The message with the delivered video's buttons says it too, from the same lookup.
    await expectCostOnDelivery(world, job, 'Cost: $4.80 (as Oxen reports it)');
    expect(oxen.requestsTo('showGeneration')).toHaveLength(1);
    const params = await pressed(world, job, 'job_params');
    expect(params).toContain('version `2.5`');
    expect(params).toContain('cost `$4.80 (as Oxen reports it)`');
  });

  it('says the cost is unknown, on the status and the delivered message, when Oxen reports none', async () => {
    world = await startWorld();
    world.oxen.switches.costs = 'missing';
    await world.bot.sender.command('a fox');
    const job = await onlyJob(world.bot.core);
    await eventually(async () => (await stateOf(world!.bot.core, job.id)) === 'done', 8_000, 'done');
    await eventually(() => statusText(world!, job).includes('Cost unknown'), 5_000, 'cost unknown');
    await expectCostOnDelivery(world, job, 'Cost unknown');
  });

  it('--count 2: the buttons of each video get that video\'s own cost', async () => {
    world = await startWorld();
    await world.bot.sender.command('a fox --duration 5 --count 2');
    const job = await onlyJob(world.bot.core);
    await eventually(async () => (await stateOf(world!.bot.core, job.id)) === 'done', 8_000, 'done');
    // 5 s of Fast 720p at the fake's $0.16/s, each; the status has the total.
    await expectCostOnDelivery(world, job, 'Cost: $0.80 (as Oxen reports it)', 1);
    await expectCostOnDelivery(world, job, 'Cost: $0.80 (as Oxen reports it)', 2);
    await eventually(() => statusText(world!, job).includes('Cost: $1.60 (as Oxen reports it)'), 5_000, 'the total');
  });

  it('the Make video form has a version field (and a seed field) that selects 2.5', async () => {
    world = await startWorld();
    const { slack, bot } = world;
    const message = slack.addMessage({ channel: 'C1', user: 'U9', text: 'a storm' });
    await bot.sender.interactive(messageShortcut({ callbackId: 'make_video', user: 'U1', channel: 'C1', message: { ts: message.ts, text: 'a storm' }, responseUrl: slack.responseUrl() }));
    await eventually(() => slack.callsTo('views.open').length === 1, 3_000, 'views.open');
    const view = slack.callsTo('views.open')[0]!.args['view'] as { private_metadata: string; blocks: { block_id?: string; element?: { options?: { value: string }[] } }[] };
    expect(view.blocks.find((b) => b.block_id === 'version')!.element!.options!.map((o) => o.value)).toEqual(['default', '2.0', '2.5']);
    expect(view.blocks.some((b) => b.block_id === 'seed')).toBe(true);
    await bot.sender.interactive(
      viewSubmission({
        user: 'U1',
        callbackId: 'make_video_modal',
        privateMetadata: view.private_metadata,
        values: {
          prompt: { value: { type: 'plain_text_input', value: 'a storm at sea' } },
          version: { value: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: '2.5' }, value: '2.5' } } },
        },
      }),
    );
    const job = await onlyJob(bot.core);
    await eventually(() => enqueued(world!).length === 1, 5_000, 'the enqueue');
    expect(enqueued(world)[0]!['model']).toBe('bytedance-seedance-2-5-text-to-video');
    expect(job.request.options.version).toBe('2.5');
  });
});

describe('seeds on Slack', () => {
  it("today's schema has no seed: --seed is refused, saying so", async () => {
    world = await startWorld();
    await world.bot.sender.command('a fox --seed 42');
    await eventually(() => answers(world!).some((a) => a.includes('takes no seed')), 5_000, 'the refusal');
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });

  it('a given seed is sent, shown in Parameters and kept by Retry; a drawn one is replaced by Retry', async () => {
    world = await startWorld({ oxen: { dialect: 'seed' } });
    const { bot } = world;
    await bot.sender.command('a fox --seed 42');
    const given = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, given.id)) === 'done', 8_000, 'done');
    expect(enqueued(world)[0]!['seed']).toBe(42);
    expect(await pressed(world, given, 'job_params')).toContain('seed `42 (given)`');
    await click(world, given, 'job_retry');
    await eventually(() => enqueued(world!).length === 2, 5_000, 'the retry');
    expect(enqueued(world)[1]!['seed']).toBe(42);

    await eventually(async () => (await bot.core.service.list({ platform: 'slack', userId: 'U1' })).every((v) => v.job.state === 'done'), 8_000, 'the retry done');
    await bot.sender.command('a wolf');
    await eventually(() => enqueued(world!).length === 3, 5_000, 'the third job');
    const drawn = (await bot.core.service.list({ platform: 'slack', userId: 'U1' }))[0]!.job;
    const first = enqueued(world)[2]!['seed'];
    expect(first).toEqual(expect.any(Number));
    await eventually(async () => (await stateOf(bot.core, drawn.id)) === 'done', 8_000, 'done');
    expect(await pressed(world, drawn, 'job_params')).toContain(`seed \`${String(first)} (drawn; Retry draws another)\``);
    await click(world, drawn, 'job_retry');
    await eventually(() => enqueued(world!).length === 4, 5_000, 'the second retry');
    expect(enqueued(world)[3]!['seed']).toEqual(expect.any(Number));
    expect(enqueued(world)[3]!['seed']).not.toBe(first);
  });
});

describe('/video usage', () => {
  it("shows today's seconds and dollars, the person's and the workspace's, against the operator's allowances", async () => {
    world = await startWorld({ service: { budget: { videoSecondsPerDay: 100, usdPerDay: 50 } } });
    const { bot } = world;
    await bot.sender.command('a fox --duration 5');
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');
    await bot.sender.command('usage');
    await eventually(() => answers(world!).some((a) => a.includes('This workspace: 5 video-seconds of 100 video-seconds, $0.80 of $50.00')), 5_000, 'the usage');
    expect(answers(world).find((a) => a.includes('This workspace'))).toContain('You: 5 video-seconds');
  });
});
