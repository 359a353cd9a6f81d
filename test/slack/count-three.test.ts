/**
 * `/video … --count 3` on Slack: one enqueue of three generations, three videos each uploaded
 * exactly once into the thread and labelled 1 of 3, 2 of 3, 3 of 3; one of the three failing at
 * Oxen gives back its share of the allowance (the workspace's and the person's counters in the
 * store) while the other two are delivered; a cancelled count-3 job gives back its whole
 * reservation and the person's slot. The real Bolt app, real core and SQLite store, the fake Oxen
 * moved by hand.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { budgetCounter, personCounter } from '../../src/core/jobs/budget.js';
import { userSet } from '../../src/core/jobs/context.js';
import type { JobRecord } from '../../src/core/jobs/job.js';
import { appMention, blockAction } from '../fakes/slack/index.js';
import { eventually, onlyJob, startWorld, type World } from './helpers.js';

/** Allowances so every counter is kept; one job at a time per person, so a kept slot shows. */
const SERVICE = { perUserLimit: 1, budget: { videoSecondsPerDay: 1_000, usdPerDay: 1_000, personVideoSecondsPerDay: 500, personUsdPerDay: 500 } };

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const delivered = (w: World) => [...w.slack.uploads.values()].filter((u) => u.completed);

async function job(w: World, id: string): Promise<JobRecord> {
  const status = await w.bot.core.service.status(id);
  if (!status.ok) throw new Error('no job');
  return status.value.job;
}

async function startCountThree(w: World) {
  const ack = await w.bot.sender.command('three foxes, one after another --count 3 --duration 5 --res 480p');
  expect(ack.status).toBe(200);
  expect(ack.body).toBe('');
  const first = await onlyJob(w.bot.core);
  await eventually(() => w.oxen.generations.size === 3, 5_000, 'three generations');
  await eventually(async () => (await job(w, first.id)).generations.length === 3, 5_000, 'the generation ids saved');
  return { jobId: first.id, generations: [...w.oxen.generations.keys()] };
}

/** The allowance used today, in the workspace's and the person's counters. */
async function used(w: World, record: JobRecord) {
  const { store } = w.handle;
  return {
    seconds: await store.counterValue(budgetCounter(record, 'seconds')),
    usd: await store.counterValue(budgetCounter(record, 'usd')),
    personSeconds: await store.counterValue(personCounter(record, 'seconds')),
    personUsd: await store.counterValue(personCounter(record, 'usd')),
  };
}

describe('/video --count 3', () => {
  it('makes three videos in one enqueue, each uploaded once into the thread and labelled n of 3', async () => {
    world = await startWorld({ timing: 'manual', service: SERVICE });
    const { oxen, slack } = world;
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

    const record = await job(world, jobId);
    const uploads = delivered(world);
    expect(uploads).toHaveLength(3);
    expect([...slack.uploads.values()]).toHaveLength(3); // no upload started twice either
    for (const [i] of record.generations.entries()) {
      const upload = uploads.find((u) => u.filename === `seedance-${jobId}-${i + 1}.mp4`);
      expect(upload, `the upload of video ${i + 1}`).toBeDefined();
      expect(upload!.completed!.initial_comment).toContain(`(${i + 1} of 3)`);
      expect(upload!.completed!.thread_ts).toBe(record.destination.statusMessageId);
    }
    expect(record.generations.every((g) => g.delivery === 'delivered')).toBe(true);
    expect(await used(world, record)).toEqual(reserved);
    expect(await world.handle.store.members(userSet(record))).toEqual([]);
  });

  it('one of three failing at Oxen gives back its third of the allowance; the other two are delivered', async () => {
    world = await startWorld({ timing: 'manual', service: SERVICE });
    const { oxen, slack } = world;
    const { jobId, generations } = await startCountThree(world);
    const reserved = await used(world, await job(world, jobId));

    oxen.complete(generations[0]!, { status: 'failed', error: 'Internal error while generating' });
    oxen.complete(generations[1]!);
    oxen.complete(generations[2]!);
    await eventually(async () => (await job(world!, jobId)).state === 'done', 8_000, 'done');
    await new Promise((r) => setTimeout(r, 300));

    const record = await job(world, jobId);
    expect(delivered(world).map((u) => u.filename).sort()).toEqual([`seedance-${jobId}-2.mp4`, `seedance-${jobId}-3.mp4`]);
    expect(delivered(world).map((u) => u.completed!.initial_comment).every((c) => /\([23] of 3\)/.test(c ?? ''))).toBe(true);
    const after = await used(world, record);
    expect(after.seconds).toBeCloseTo((reserved.seconds * 2) / 3, 6);
    expect(after.personSeconds).toBeCloseTo((reserved.personSeconds * 2) / 3, 6);
    expect(after.usd).toBeCloseTo((reserved.usd * 2) / 3, 6);
    expect(after.personUsd).toBeCloseTo((reserved.personUsd * 2) / 3, 6);
    expect(await world.handle.store.members(userSet(record))).toEqual([]);

    // The person hears that one of the three was not made.
    const statusTs = record.destination.statusMessageId!;
    await eventually(() => /white_check_mark/.test(slack.message('C1', statusTs)!.text ?? ''), 3_000, 'the final status');
    expect(JSON.stringify(slack.message('C1', statusTs)!.blocks)).toMatch(/2 of 3/);
  });

  it('a cancelled count-3 job gives back its whole reservation and the person slot', async () => {
    world = await startWorld({ timing: 'manual', service: SERVICE });
    const { oxen, slack, bot } = world;
    const { jobId, generations } = await startCountThree(world);
    const record = await job(world, jobId);
    expect((await used(world, record)).seconds).toBe(15);
    expect(await world.handle.store.members(userSet(record))).toEqual([jobId]);

    const ack = await bot.sender.interactive(
      blockAction({ user: 'U1', channel: 'C1', messageTs: record.destination.statusMessageId!, actionId: 'job_cancel', value: jobId, responseUrl: slack.responseUrl() }),
    );
    expect(ack.status).toBe(200);
    await eventually(async () => (await job(world!, jobId)).state === 'cancelled', 5_000, 'cancelled');

    await eventually(() => generations.every((id) => oxen.generations.get(id)!.status === 'cancelled'), 3_000, 'cancelled at Oxen');
    expect(await used(world, record)).toEqual({ seconds: 0, usd: 0, personSeconds: 0, personUsd: 0 });
    expect(await world.handle.store.members(userSet(record))).toEqual([]);
    expect(slack.uploads.size).toBe(0);

    // The slot is free again: the person (limit 1) can start another.
    await bot.sender.command('one more fox');
    await eventually(async () => (await bot.core.service.list({ platform: 'slack', userId: 'U1' })).length === 2, 5_000, 'the next job');
  });

  it('cancelled after the first video was delivered: that one stays counted, the other two thirds come back', async () => {
    world = await startWorld({ timing: 'manual', service: SERVICE });
    const { oxen, slack, bot } = world;
    const { jobId, generations } = await startCountThree(world);
    const record = await job(world, jobId);
    const reserved = await used(world, record);

    oxen.complete(generations[0]!);
    await eventually(async () => (await job(world!, jobId)).generations[0]!.delivery === 'delivered', 8_000, 'the first video delivered');
    await bot.sender.command(`cancel ${jobId}`);
    await eventually(async () => (await job(world!, jobId)).state === 'cancelled', 5_000, 'cancelled');
    await eventually(() => generations.slice(1).every((id) => oxen.generations.get(id)!.status === 'cancelled'), 3_000, 'the others cancelled at Oxen');

    const after = await used(world, record);
    expect(after.seconds).toBeCloseTo(reserved.seconds / 3, 6);
    expect(after.personSeconds).toBeCloseTo(reserved.personSeconds / 3, 6);
    expect(after.usd).toBeCloseTo(reserved.usd / 3, 6);
    expect(await world.handle.store.members(userSet(record))).toEqual([]);
    await new Promise((r) => setTimeout(r, 200));
    expect(delivered(world)).toHaveLength(1);
    expect(slack.uploads.size).toBe(1);
    expect(delivered(world)[0]!.completed!.initial_comment).toContain('(1 of 3)');
  });

  it('videos too big for the workspace go as three links, each posted once and labelled n of 3', async () => {
    world = await startWorld({ timing: 'manual', service: SERVICE });
    const { oxen, slack } = world;
    slack.switches.maxUploadBytes = 100;
    const { jobId, generations } = await startCountThree(world);
    for (const id of generations) oxen.complete(id);
    await eventually(async () => (await job(world!, jobId)).state === 'done', 8_000, 'done');
    await new Promise((r) => setTimeout(r, 300));
    const record = await job(world, jobId);
    const links = slack.callsTo('chat.postMessage').filter((c) => String(c.args['text']).includes('Download it here'));
    expect(links).toHaveLength(3);
    for (const n of [1, 2, 3]) expect(links.filter((c) => String(c.args['text']).includes(`(${n} of 3)`))).toHaveLength(1);
    expect(links.every((c) => c.args['thread_ts'] === record.destination.statusMessageId)).toBe(true);
    expect(delivered(world)).toHaveLength(0);
    expect(record.generations.every((g) => g.delivery === 'delivered' && g.deliveredAs === 'link')).toBe(true);
  });

  it('a mention in a thread with --count 3: three videos into that thread, each once and labelled', async () => {
    world = await startWorld({ timing: 'manual', service: SERVICE });
    const { oxen, slack, bot } = world;
    const parent = slack.addMessage({ channel: 'C1', user: 'U9', text: 'foxes please' });
    const text = '<@UBOT> three foxes --count 3 --duration 5';
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text, thread_ts: parent.ts });
    await bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts, thread_ts: parent.ts }));
    const first = await onlyJob(bot.core);
    await eventually(() => oxen.generations.size === 3, 5_000, 'three generations');
    await eventually(async () => (await job(world!, first.id)).generations.length === 3, 5_000, 'the ids saved');
    for (const id of oxen.generations.keys()) oxen.complete(id);
    await eventually(async () => (await job(world!, first.id)).state === 'done', 8_000, 'done');
    await new Promise((r) => setTimeout(r, 300));
    const uploads = delivered(world);
    expect(uploads).toHaveLength(3);
    expect(uploads.every((u) => u.completed!.thread_ts === parent.ts)).toBe(true);
    expect(uploads.map((u) => /\((\d) of 3\)/.exec(u.completed!.initial_comment ?? '')?.[1]).sort()).toEqual(['1', '2', '3']);
  });
});
