/**
 * `/jobs id:…` recalls one job (only within its own server) and Remix on a delivered video makes a
 * new reference-to-video job whose @Video1 is that video: the real discord.js client on the fake
 * gateway, the real core against the fake Oxen. The fake Oxen's enqueue body is fetched the way
 * Oxen fetches it, and the video it gets is the delivered one, converted (a 1080p result → 720p).
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createMediaConverter } from '../../src/core/media/converter.js';
import { ResultLinks } from '../../src/core/jobs/result-links.js';
import { buttonPress, modalSubmit, slashCommand, type ApiMessage } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { fetchEnqueuedReferences } from '../helpers/fetch-references.js';
import { makeMedia, probeBytes } from '../helpers/media-fixtures.js';
import { ANN, answerTo, BOB, media, startWorld, type World } from './helpers.js';

const converter = createMediaConverter({ concurrency: 1, timeoutMs: 60_000 });
afterAll(() => converter.close());
let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const links = new ResultLinks({ publicBaseUrl: 'https://bot.example.com', secret: 'k', keepsMs: 30 * 86_400_000 });
const jobIdOf = (answer: string) => /`([a-z2-9]{6})`/.exec(answer)![1]!;

async function done(w: World, jobId: string, ms = 30_000) {
  await eventually(async () => {
    const s = await w.core.service.status(jobId);
    return s.ok && s.value.job.state === 'done';
  }, ms, `job ${jobId} done`);
}

/** The ephemeral answer with its buttons. */
async function answerWithButtons(w: World, payload: { token: string }) {
  const call = await w.discord.waitForCall((c) => c.route === 'webhookEditOriginal' && c.path.includes(payload.token), 8_000, 'the answer');
  const rows = (call.json?.components ?? []) as { components: { custom_id: string; label: string }[] }[];
  return { content: String(call.json?.content ?? ''), buttons: rows.flatMap((r) => r.components.map((b) => b.custom_id)), mentions: call.json?.allowed_mentions };
}

async function jobs(w: World, user: typeof ANN, id: string, channelId?: string) {
  const payload = slashCommand(w.discord.context(user, channelId), 'jobs', [{ name: 'id', type: 3, value: id }]);
  await w.discord.dispatchInteraction(payload);
  return payload;
}

describe('/jobs id: recall one job', { timeout: 60_000 }, () => {
  it('shows the status, parameters, cost, lasting link and the owner buttons; others of the server see it without them; another server and bad ids get no such job', async () => {
    world = await startWorld({ discord: { guilds: 2 }, linkFor: (job, generation) => links.linkFor(job, generation) });
    const { discord } = world;
    const start = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a fox in snow' }]);
    await discord.dispatchInteraction(start);
    const jobId = jobIdOf(await answerTo(discord, start));
    await done(world, jobId);

    // As the status message shows it: "Job `k3m9qz`".
    const own = await answerWithButtons(world, await jobs(world, ANN, `Job \`${jobId.toUpperCase()}\``));
    expect(own.content).toContain(`**Job \`${jobId}\`**`);
    expect(own.content).toContain('> a fox in snow');
    expect(own.content).toContain('✅ Done');
    expect(own.content).toMatch(/tier `auto` · mode `auto`/);
    expect(own.content).toMatch(/Cost: estimated/);
    const job = await world.core.service.status(jobId);
    expect(own.content).toContain(links.linkFor(job.ok ? job.value.job : (undefined as never), job.ok ? job.value.job.generations[0]! : (undefined as never))!.url);
    expect(own.buttons).toEqual([`job:retry:${jobId}`, `job:edit:${jobId}`, `job:params:${jobId}`, `remix:${jobId}:1`]);
    expect(own.mentions).toEqual({ parse: [] });

    const bobs = await answerWithButtons(world, await jobs(world, BOB, jobId));
    expect(bobs.content).toContain('> a fox in snow');
    expect(bobs.buttons).toEqual([`job:params:${jobId}`]);

    // Another server: answered exactly as an id nobody has, so ids cannot be probed.
    const elsewhere = await answerTo(discord, await jobs(world, ANN, jobId, discord.guilds[1]!.channelId));
    const unknown = await answerTo(discord, await jobs(world, ANN, 'zzzzzz'));
    expect(elsewhere).toBe(unknown.replace('zzzzzz', jobId));
    expect(elsewhere).toContain(`There is no job \`${jobId}\``);
    expect(elsewhere).not.toContain('a fox');

    const bad = await answerTo(discord, await jobs(world, ANN, '<@123> `; DROP'));
    expect(bad).toContain('is not a job id');
    expect(bad.length).toBeLessThan(400);

    // Bare /jobs still lists.
    const list = slashCommand(discord.context(ANN), 'jobs', []);
    await discord.dispatchInteraction(list);
    expect(await answerTo(discord, list)).toContain('Your videos, newest first');
  });
});

describe('Remix', { timeout: 120_000 }, () => {
  it('opens a form with the prompt relabelled; the new job sends the delivered video (converted to 720p) as @Video1 with the earlier image', async () => {
    const big = await makeMedia({ format: 'mp4', seconds: 2, video: { codec: 'libx264', width: 1920, height: 1080, options: { preset: 'ultrafast' } } });
    world = await startWorld({ media: converter, oxen: { resultVideo: big } });
    const { discord, oxen } = world;
    const cat = discord.attachment('cat.png', media('cat.png'), { contentType: 'image/png', ephemeral: true });
    const start = slashCommand(discord.context(ANN), 'video', [
      { name: 'prompt', type: 3, value: '@cat.png sits --duration 4' },
      { name: 'image1', type: 11, value: cat.id },
    ], [cat]);
    await discord.dispatchInteraction(start);
    const jobId = jobIdOf(await answerTo(discord, start, 30_000));
    await done(world, jobId, 60_000);
    const delivered = [...discord.messages.values()].find((m) => m.author.id === discord.bot.id && m.attachments.length > 0 && m.content.includes('gen '))!;
    const buttons = (delivered.components as { components: { custom_id: string; label: string }[] }[]).flatMap((r) => r.components);
    expect(buttons.map((b) => b.label)).toEqual(['Retry', 'Edit prompt', 'Remix', 'Parameters']);

    // Bob may not remix Ann's video.
    const byBob = buttonPress(discord.context(BOB), `remix:${jobId}:1`, delivered as ApiMessage);
    await discord.dispatchInteraction(byBob);
    await eventually(() => discord.callbacks.has(byBob.id), 3_000, "Bob's answer");
    expect(discord.callbacks.get(byBob.id)).toMatchObject({ type: 4, flags: 64 });

    const press = buttonPress(discord.context(ANN), `remix:${jobId}:1`, delivered as ApiMessage);
    await discord.dispatchInteraction(press);
    await eventually(() => discord.callbacks.has(press.id), 3_000, 'the remix form');
    const modal = discord.callsTo('interactionCallback').find((c) => c.path.includes(press.id))!.json.data;
    expect(modal.custom_id).toBe(`modal:remix:${jobId}:1`);
    expect(JSON.stringify(modal)).toContain('@Image1 sits'); // the image keeps its label; the video is @Video1

    const before = oxen.requestCounts().resultFile ?? 0;
    const submit = modalSubmit(discord.context(ANN), modal.custom_id, { prompt: '@Image1 walks out of @Video1', options: '' });
    await discord.dispatchInteraction(submit);
    const answer = await answerTo(discord, submit, 60_000);
    expect(answer).toMatch(/Started job `[a-z2-9]{6}`/);
    expect(answer).toContain(`@Video1 = \`seedance-${jobId}.mp4\``);
    await eventually(() => oxen.requestsTo('enqueue').length === 2, 30_000, 'the remix enqueue');
    // The video was fetched again from Oxen (a fresh result URL), once.
    expect((oxen.requestCounts().resultFile ?? 0) - before).toBe(1);
    const body = JSON.parse(oxen.requestsTo('enqueue')[1]!.body) as Record<string, unknown>;
    expect(String(body['model'])).toMatch(/reference/);
    expect(body['prompt']).toContain('@Video1');
    const fetched = await fetchEnqueuedReferences(world.core.host, body);
    expect(fetched['input_videos']).toHaveLength(1);
    expect((await probeBytes(fetched['input_videos']![0]!))?.video).toMatchObject({ codec: 'h264', height: 720 });
    expect(Buffer.from(fetched['input_images']![0]!).equals(Buffer.from(media('cat.png')))).toBe(true);
    const remixId = jobIdOf(answer.replace(/^.*?Started job /s, ''));
    const remix = await world.core.service.status(remixId);
    expect(remix.ok && remix.value.job.remixOf).toEqual({ jobId, index: 1, kept: [0] });
    expect(remix.ok && remix.value.job.requester.userId).toBe(ANN.id);
  });

  it('checks the person\'s slot and the budget before fetching the video: a refused remix downloads nothing', async () => {
    world = await startWorld({ service: { perUserLimit: 1, budget: { videoSecondsPerDay: 9 } }, oxen: { timing: 'manual' } });
    const { discord, oxen } = world;
    const start = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a fox in snow' }, { name: 'duration', type: 3, value: '5' }]);
    await discord.dispatchInteraction(start);
    const jobId = jobIdOf(await answerTo(discord, start));
    await eventually(() => oxen.generations.size === 1, 5_000, 'the generation');
    for (const id of oxen.generations.keys()) oxen.complete(id);
    await done(world, jobId);
    // A second video of Ann's holds her one slot.
    const busy = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'an owl' }, { name: 'duration', type: 3, value: '4' }]);
    await discord.dispatchInteraction(busy);
    const busyId = jobIdOf(await answerTo(discord, busy));
    const before = oxen.requestCounts().resultFile ?? 0;
    const delivered = [...discord.messages.values()].find((m) => m.author.id === discord.bot.id && m.attachments.length > 0)!;
    const submit = modalSubmit(discord.context(ANN), `modal:remix:${jobId}:1`, { prompt: 'the fox @Video1 jumps', options: '' }, delivered as ApiMessage);
    await discord.dispatchInteraction(submit);
    expect(await answerTo(discord, submit)).toContain('in progress');
    expect((oxen.requestCounts().resultFile ?? 0) - before).toBe(0);

    // The slot is free again; the budget (9 s a day, 5 used: the owl's 4 came back) refuses a 5 s remix.
    const cancel = buttonPress(discord.context(ANN), `job:cancel:${busyId}`, delivered as ApiMessage);
    await discord.dispatchInteraction(cancel);
    await answerTo(discord, cancel);
    await eventually(async () => (await world!.core.service.status(busyId)).ok && ((await world!.core.service.status(busyId)) as { value: { job: { state: string } } }).value.job.state === 'cancelled', 5_000, 'cancelled');
    const again = modalSubmit(discord.context(ANN), `modal:remix:${jobId}:1`, { prompt: 'the fox @Video1 jumps', options: '--duration 5' }, delivered as ApiMessage);
    await discord.dispatchInteraction(again);
    expect(await answerTo(discord, again)).toMatch(/video-seconds/);
    expect((oxen.requestCounts().resultFile ?? 0) - before).toBe(0);
    expect(oxen.requestsTo('enqueue')).toHaveLength(2);
  });

  it('refuses a tampered form id and a video number the job does not have', async () => {
    world = await startWorld();
    const { discord } = world;
    const start = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a fox in snow' }]);
    await discord.dispatchInteraction(start);
    const jobId = jobIdOf(await answerTo(discord, start));
    await done(world, jobId);
    const third = modalSubmit(discord.context(ANN), `modal:remix:${jobId}:3`, { prompt: 'x @Video1', options: '' });
    await discord.dispatchInteraction(third);
    expect(await answerTo(discord, third)).toContain('no finished video number 3');
    const tampered = modalSubmit(discord.context(ANN), `modal:remix:${jobId}/../x:1`, { prompt: 'x', options: '' });
    await discord.dispatchInteraction(tampered);
    await eventually(() => discord.callbacks.has(tampered.id), 3_000, 'the answer');
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(1);
  });
});
