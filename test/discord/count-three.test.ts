/**
 * `/video` with count 3 on Discord: one enqueue of three generations, three videos each delivered
 * exactly once and labelled 1 of 3, 2 of 3, 3 of 3; one of the three failing at Oxen gives back
 * its share of the allowance (the server's and the person's counters in the store) while the other
 * two are delivered; a cancelled count-3 job gives back its whole reservation and the person's
 * slot. Real discord.js, real core and SQLite store, the fake Oxen moved by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { budgetCounter, personCounter } from '../../src/core/jobs/budget.js';
import { userSet } from '../../src/core/jobs/context.js';
import type { JobRecord } from '../../src/core/jobs/job.js';
import { buttonPress, messageContextMenu, modalSubmit, slashCommand } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, answerTo, BOB, media, startWorld, type World } from './helpers.js';

const STRING = 3;
const INTEGER = 4;
/** Allowances so every counter is kept; one job at a time per person, so a kept slot shows. */
const SERVICE = { perUserLimit: 1, budget: { videoSecondsPerDay: 1_000, usdPerDay: 1_000, personVideoSecondsPerDay: 500, personUsdPerDay: 500 } };

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const uploads = (w: World) => w.discord.calls.filter((c) => c.route === 'createMessage' && c.status === 200 && c.files.some((f) => f.name.startsWith('seedance-')));

async function startCountThree(w: World) {
  const payload = slashCommand(w.discord.context(ANN), 'video', [
    { name: 'prompt', type: STRING, value: 'three foxes, one after another' },
    { name: 'count', type: INTEGER, value: 3 },
    { name: 'duration', type: STRING, value: '5' },
    { name: 'resolution', type: STRING, value: '480p' },
  ]);
  await w.discord.dispatchInteraction(payload);
  const answer = await answerTo(w.discord, payload);
  const jobId = /Started job `([a-z2-9]{6})`/.exec(answer)?.[1];
  expect(jobId, answer).toBeDefined();
  await eventually(() => w.oxen.generations.size === 3, 5_000, 'three generations');
  const status = await w.core.service.status(jobId!);
  if (!status.ok) throw new Error('no job');
  await eventually(async () => ((await job(w, jobId!)).generations.length === 3), 5_000, 'the generation ids saved');
  return { jobId: jobId!, generations: [...w.oxen.generations.keys()] };
}

async function job(w: World, id: string): Promise<JobRecord> {
  const status = await w.core.service.status(id);
  if (!status.ok) throw new Error('no job');
  return status.value.job;
}

/** The allowance used today, in the server's and the person's counters. */
async function used(w: World, record: JobRecord) {
  const { store } = w.handle;
  return {
    seconds: await store.counterValue(budgetCounter(record, 'seconds')),
    usd: await store.counterValue(budgetCounter(record, 'usd')),
    personSeconds: await store.counterValue(personCounter(record, 'seconds')),
    personUsd: await store.counterValue(personCounter(record, 'usd')),
  };
}

describe('/video count 3', () => {
  it('makes three videos in one enqueue, each delivered once and labelled n of 3', async () => {
    world = await startWorld({ oxen: { timing: 'manual' }, service: SERVICE });
    const { discord, oxen } = world;
    const { jobId, generations } = await startCountThree(world);
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
    expect(JSON.parse(oxen.requestsTo('enqueue')[0]!.body)['num_generations']).toBe(3);
    const reserved = await used(world, await job(world, jobId));
    expect(reserved.seconds).toBe(15);
    expect(reserved.personSeconds).toBe(15);
    expect(reserved.usd).toBeGreaterThan(0);

    for (const id of generations) oxen.complete(id);
    await eventually(async () => (await job(world!, jobId)).state === 'done', 8_000, 'done');
    await new Promise((r) => setTimeout(r, 300));

    const posted = uploads(world);
    expect(posted).toHaveLength(3);
    expect(posted.map((p) => p.files[0]!.name).sort()).toEqual([1, 2, 3].map((n) => `seedance-${jobId}-${n}.mp4`));
    const record = await job(world, jobId);
    for (const [i, generation] of record.generations.entries()) {
      const post = posted.find((p) => String(p.json.content).includes(`gen ${generation.id}`));
      expect(post, `the post of generation ${i + 1}`).toBeDefined();
      expect(post!.files[0]!.name).toBe(`seedance-${jobId}-${i + 1}.mp4`);
      expect(post!.json.content).toContain(`${i + 1} of 3`);
      expect(post!.json.allowed_mentions?.parse ?? []).toEqual([]);
    }
    expect(record.generations.every((g) => g.delivery === 'delivered')).toBe(true);
    // All three were made: nothing is given back.
    expect(await used(world, record)).toEqual(reserved);
    expect(await world.handle.store.members(userSet(record))).toEqual([]);
    expect(discord.callsTo('startThread')).toHaveLength(1);
  });

  it('one of three failing at Oxen gives back its third of the allowance; the other two are delivered', async () => {
    world = await startWorld({ oxen: { timing: 'manual' }, service: SERVICE });
    const { discord, oxen } = world;
    const { jobId, generations } = await startCountThree(world);
    const reserved = await used(world, await job(world, jobId));

    oxen.complete(generations[0]!);
    oxen.complete(generations[1]!, { status: 'failed', error: 'Internal error while generating' });
    oxen.complete(generations[2]!);
    await eventually(async () => (await job(world!, jobId)).state === 'done', 8_000, 'done');
    await new Promise((r) => setTimeout(r, 300));

    const record = await job(world, jobId);
    expect(uploads(world)).toHaveLength(2);
    expect(record.generations.filter((g) => g.delivery === 'delivered').map((g) => g.id).sort()).toEqual([generations[0]!, generations[2]!].sort());
    const after = await used(world, record);
    expect(after.seconds).toBeCloseTo((reserved.seconds * 2) / 3, 6);
    expect(after.personSeconds).toBeCloseTo((reserved.personSeconds * 2) / 3, 6);
    expect(after.usd).toBeCloseTo((reserved.usd * 2) / 3, 6);
    expect(after.personUsd).toBeCloseTo((reserved.personUsd * 2) / 3, 6);
    expect(await world.handle.store.members(userSet(record))).toEqual([]);

    // The person hears that one of the three was not made.
    const statusId = record.destination.statusMessageId!;
    await eventually(() => discord.messages.get(statusId)!.content.includes('✅'), 3_000, 'the final status');
    expect(discord.messages.get(statusId)!.content).toMatch(/2 of 3/);
  });

  it('a cancelled count-3 job gives back its whole reservation and the person slot', async () => {
    world = await startWorld({ oxen: { timing: 'manual' }, service: SERVICE });
    const { discord, oxen } = world;
    const { jobId, generations } = await startCountThree(world);
    const record = await job(world, jobId);
    expect((await used(world, record)).seconds).toBe(15);
    expect(await world.handle.store.members(userSet(record))).toEqual([jobId]);

    const status = discord.messages.get(record.destination.statusMessageId!)!;
    const press = buttonPress(discord.context(ANN), `job:cancel:${jobId}`, status);
    await discord.dispatchInteraction(press);
    expect(await answerTo(discord, press)).toBe(`Cancelled job \`${jobId}\`.`);
    await eventually(async () => (await job(world!, jobId)).state === 'cancelled', 5_000, 'cancelled');

    // Every generation was cancelled at Oxen, nothing was delivered, everything came back.
    await eventually(() => generations.every((id) => oxen.generations.get(id)!.status === 'cancelled'), 3_000, 'cancelled at Oxen');
    expect(await used(world, record)).toEqual({ seconds: 0, usd: 0, personSeconds: 0, personUsd: 0 });
    expect(await world.handle.store.members(userSet(record))).toEqual([]);
    expect(uploads(world)).toHaveLength(0);

    // The slot is free again: the person (limit 1) can start another.
    const next = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: STRING, value: 'one more fox' }]);
    await discord.dispatchInteraction(next);
    expect(await answerTo(discord, next)).toMatch(/^Started job/);
  });

  it('cancelled after the first video was delivered: that one stays counted, the other two thirds come back', async () => {
    world = await startWorld({ oxen: { timing: 'manual' }, service: SERVICE });
    const { discord, oxen } = world;
    const { jobId, generations } = await startCountThree(world);
    const record = await job(world, jobId);
    const reserved = await used(world, record);

    oxen.complete(generations[0]!);
    await eventually(() => uploads(world!).length === 1, 8_000, 'the first video');
    await eventually(async () => (await job(world!, jobId)).generations[0]!.delivery === 'delivered', 3_000, 'delivered');
    const status = discord.messages.get(record.destination.statusMessageId!)!;
    const press = buttonPress(discord.context(ANN), `job:cancel:${jobId}`, status);
    await discord.dispatchInteraction(press);
    await answerTo(discord, press);
    await eventually(async () => (await job(world!, jobId)).state === 'cancelled', 5_000, 'cancelled');
    await eventually(() => generations.slice(1).every((id) => oxen.generations.get(id)!.status === 'cancelled'), 3_000, 'the others cancelled at Oxen');

    const after = await used(world, record);
    expect(after.seconds).toBeCloseTo(reserved.seconds / 3, 6);
    expect(after.personSeconds).toBeCloseTo(reserved.personSeconds / 3, 6);
    expect(after.usd).toBeCloseTo(reserved.usd / 3, 6);
    expect(await world.handle.store.members(userSet(record))).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(uploads(world)).toHaveLength(1);
    expect(uploads(world)[0]!.json.content).toContain('1 of 3');
  });

  it('videos over the server upload limit go as three links, each posted once and labelled n of 3', async () => {
    world = await startWorld({ oxen: { timing: 'manual' }, service: SERVICE, adapter: { uploadLimitForTier: () => 100 } });
    const { discord, oxen } = world;
    const { jobId, generations } = await startCountThree(world);
    for (const id of generations) oxen.complete(id);
    await eventually(async () => (await job(world!, jobId)).state === 'done', 8_000, 'done');
    await new Promise((r) => setTimeout(r, 300));
    const record = await job(world, jobId);
    const links = discord.calls.filter((c) => c.route === 'createMessage' && c.status === 200 && String(c.json?.content).includes('link to the original'));
    expect(links).toHaveLength(3);
    for (const [i, generation] of record.generations.entries()) {
      const link = links.filter((c) => String(c.json.content).includes(`gen ${generation.id}`));
      expect(link).toHaveLength(1);
      expect(link[0]!.json.content).toContain(`(${i + 1} of 3)`);
    }
    expect(uploads(world)).toHaveLength(0);
  });

  it('"Make video" with --count 3 in the options: three videos of the message image, each once and labelled', async () => {
    world = await startWorld({ oxen: { timing: 'manual' }, service: SERVICE, messageContentIntent: false });
    const { discord, oxen } = world;
    const target = await discord.postUserMessage(BOB, { content: 'my cat', attachments: [discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png' })] });
    const menu = messageContextMenu(discord.context(ANN), 'Make video', target);
    await discord.dispatchInteraction(menu);
    await eventually(() => discord.callbacks.has(menu.id), 3_000, 'the modal');
    const customId = discord.callsTo('interactionCallback').find((c) => c.path.includes(menu.id))!.json.data.custom_id as string;
    const submit = modalSubmit(discord.context(ANN), customId, { prompt: '@Image1 runs', options: '--count 3 --duration 5' });
    await discord.dispatchInteraction(submit);
    const jobId = /Started job `([a-z2-9]{6})`/.exec(await answerTo(discord, submit))![1]!;
    await eventually(() => oxen.generations.size === 3, 5_000, 'three generations');
    await eventually(async () => (await job(world!, jobId)).generations.length === 3, 5_000, 'the ids saved');
    expect(JSON.parse(oxen.requestsTo('enqueue')[0]!.body)).toMatchObject({ num_generations: 3, input_images: [expect.any(String)] });
    for (const id of oxen.generations.keys()) oxen.complete(id);
    await eventually(async () => (await job(world!, jobId)).state === 'done', 8_000, 'done');
    await new Promise((r) => setTimeout(r, 300));
    const posted = uploads(world);
    expect(posted).toHaveLength(3);
    expect(posted.map((p) => /\((\d) of 3\)/.exec(String(p.json.content))?.[1]).sort()).toEqual(['1', '2', '3']);
  });
});
