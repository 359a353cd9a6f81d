/**
 * Buttons and `/jobs`: custom ids carry the action and the job id, so they work after a restart
 * (Redis store, a new Client and core); only the owner may Cancel, Retry or Edit; Retry fetches
 * the files again from where they came from; Edit prompt goes through a modal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buttonPress, messageContextMenu, modalSubmit, slashCommand, type ApiMessage } from '../fakes/discord/index.js';
import { eventually, redisStore } from '../helpers/harness.js';
import { ANN, answerTo, BOB, media, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const jobIdOf = (answer: string) => /`([a-z2-9]{6})`/.exec(answer)![1]!;

async function startJob(w: World, prompt = 'a fox in snow') {
  const payload = slashCommand(w.discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: prompt }]);
  await w.discord.dispatchInteraction(payload);
  const jobId = jobIdOf(await answerTo(w.discord, payload));
  const status = [...w.discord.messages.values()].find((m) => m.author.id === w.discord.bot.id && m.content.includes(`Job \`${jobId}\``))!;
  return { jobId, status };
}

async function press(w: World, user: typeof ANN, customId: string, message: ApiMessage) {
  const payload = buttonPress(w.discord.context(user), customId, message);
  await w.discord.dispatchInteraction(payload);
  return payload;
}

async function stateOf(w: World, jobId: string) {
  const s = await w.core.service.status(jobId);
  return s.ok ? s.value.job.state : 'missing';
}

describe('buttons', () => {
  it('only the owner may cancel; others get an ephemeral sentence', async () => {
    world = await startWorld({ oxen: { timing: 'manual' } });
    const { discord } = world;
    const { jobId, status } = await startJob(world);
    const byBob = await press(world, BOB, `job:cancel:${jobId}`, status);
    expect(await answerTo(discord, byBob)).toContain(`Only the person who started \`${jobId}\``);
    expect(discord.callbacks.get(byBob.id)).toMatchObject({ type: 5, flags: 64 });
    expect(await stateOf(world, jobId)).not.toBe('cancelled');

    const byBobEdit = await press(world, BOB, `job:edit:${jobId}`, status);
    await eventually(() => discord.callbacks.has(byBobEdit.id), 3_000, 'the answer to Edit');
    expect(discord.callbacks.get(byBobEdit.id)).toMatchObject({ type: 4, flags: 64 });

    const byAnn = await press(world, ANN, `job:cancel:${jobId}`, status);
    expect(await answerTo(discord, byAnn)).toBe(`Cancelled job \`${jobId}\`.`);
    expect(await stateOf(world, jobId)).toBe('cancelled');
    await eventually(() => discord.messages.get(status.id)!.content.includes('🚫 Cancelled'), 3_000, 'the cancelled status');
  });

  it('keep working after a restart (new client, new core, same Redis data)', async () => {
    world = await startWorld({ store: redisStore(), oxen: { timing: 'manual' } });
    const { jobId, status } = await startJob(world);
    const restarted = await world.restart();
    const payload = await press(world, ANN, `job:cancel:${jobId}`, status);
    expect(await answerTo(world.discord, payload)).toBe(`Cancelled job \`${jobId}\`.`);
    const s = await restarted.core.service.status(jobId);
    expect(s.ok && s.value.job.state).toBe('cancelled');

    const params = await press(world, BOB, `job:params:${jobId}`, status);
    const text = await answerTo(world.discord, params);
    expect(text).toContain('a fox in snow');
    expect(text).toContain('cancelled');
  });

  it('Retry fetches the files again from the original message; Edit prompt retries with the new prompt', async () => {
    world = await startWorld({ messageContentIntent: true });
    const { discord, oxen } = world;
    const target = await discord.postUserMessage(BOB, { content: 'cat', attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' })] });
    const menu = messageContextMenu(discord.context(ANN), 'Make video', target);
    await discord.dispatchInteraction(menu);
    await eventually(() => discord.callbacks.has(menu.id), 3_000, 'the modal');
    const submit = modalSubmit(discord.context(ANN), `modal:make:${discord.channelId}:${target.id}`, { prompt: '@Image1 yawns' });
    await discord.dispatchInteraction(submit);
    const jobId = jobIdOf(await answerTo(discord, submit));
    await eventually(async () => (await stateOf(world!, jobId)) === 'done', 8_000, 'the first job');
    const status = [...discord.messages.values()].find((m) => m.content.includes(`Job \`${jobId}\``) && m.channel_id === discord.channelId)!;

    // Retry: the cat is fetched again from Bob's message.
    const retry = await press(world, ANN, `job:retry:${jobId}`, status);
    const retried = await answerTo(discord, retry);
    expect(retried).toMatch(/^Started job/);
    expect(retried).toContain('@Image1 = `cat.png`');
    expect(discord.callsTo('getMessage').some((c) => c.path === `/channels/${discord.channelId}/messages/${target.id}`)).toBe(true);

    // Edit prompt: a modal first (its own answer), then a retry with the new prompt.
    const edit = await press(world, ANN, `job:edit:${jobId}`, status);
    await eventually(() => discord.callbacks.has(edit.id), 3_000, 'the edit modal');
    expect(discord.callbacks.get(edit.id)!.type).toBe(9);
    const modal = discord.callsTo('interactionCallback').find((c) => c.path.includes(edit.id))!.json.data;
    expect(JSON.stringify(modal)).toContain('@Image1 yawns');
    const edited = modalSubmit(discord.context(ANN), modal.custom_id, { prompt: '@Image1 sneezes' });
    await discord.dispatchInteraction(edited);
    expect(await answerTo(discord, edited)).toMatch(/^Started job/);
    await eventually(() => oxen.requestsTo('enqueue').length === 3, 5_000, 'three enqueues');
    const prompts = oxen.requestsTo('enqueue').map((r) => (JSON.parse(r.body) as { prompt: string }).prompt);
    expect(prompts).toEqual(['@Image1 yawns', '@Image1 yawns', '@Image1 sneezes']);
  });

  it('Retry of a /video job with files uses the copies kept in its thread', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const payload = slashCommand(discord.context(ANN), 'video', [
      { name: 'prompt', type: 3, value: '@Image1 purrs' },
      { name: 'image1', type: 11, value: cat.id },
    ], [cat]);
    await discord.dispatchInteraction(payload);
    const jobId = jobIdOf(await answerTo(discord, payload));
    await eventually(async () => (await stateOf(world!, jobId)) === 'done', 8_000, 'done');
    const status = [...discord.messages.values()].find((m) => m.content.includes(`Job \`${jobId}\``) && m.channel_id === discord.channelId)!;
    const retry = await press(world, ANN, `job:retry:${jobId}`, status);
    expect(await answerTo(discord, retry)).toMatch(/^Started job/);
    await eventually(() => oxen.requestsTo('enqueue').length === 2, 5_000, 'the second enqueue');
    const second = JSON.parse(oxen.requestsTo('enqueue')[1]!.body) as { input_images: string[] };
    expect(second.input_images).toHaveLength(1);
  });

  it('/jobs lists the person\'s jobs with state, place in line and buttons', async () => {
    world = await startWorld({ oxen: { timing: 'manual' }, service: { perUserLimit: 5 } });
    const { discord } = world;
    const first = await startJob(world, 'first');
    const second = await startJob(world, 'second');
    const payload = slashCommand(discord.context(ANN), 'jobs', []);
    await discord.dispatchInteraction(payload);
    const call = await discord.waitForCall((c) => c.route === 'webhookEditOriginal' && c.path.includes(payload.token), 5_000, '/jobs');
    expect(call.json.content).toContain(first.jobId);
    expect(call.json.content).toContain(second.jobId);
    expect(call.json.components.flatMap((r: { components: { custom_id: string }[] }) => r.components.map((b) => b.custom_id))).toContain(`job:cancel:${second.jobId}`);
  });
});
