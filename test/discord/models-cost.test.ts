/**
 * Seedance 2.5, seeds, cost and `/usage` on Discord end to end: the real discord.js Client on the
 * fake gateway, the real core against the fake Oxen (which lists 2.5 with its schema and prices and
 * reports what each generation cost), the real SQLite store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buttonPress, messageContextMenu, modalSubmit, slashCommand, type ApiMessage, type SlashOption } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { DISCORD_TEXT_LIMIT } from '../../src/core/messages.js';
import { withCostLine } from '../../src/discord/render.js';
import { ANN, answerTo, BOB, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const STRING = 3;
const INTEGER = 4;
const jobIdOf = (answer: string) => /`([a-z2-9]{6})`/.exec(answer)![1]!;

async function video(w: World, options: SlashOption[]) {
  const payload = slashCommand(w.discord.context(ANN), 'video', options);
  await w.discord.dispatchInteraction(payload);
  return answerTo(w.discord, payload);
}

const statusOf = (w: World, jobId: string): ApiMessage =>
  [...w.discord.messages.values()].find((m) => m.author.id === w.discord.bot.id && m.channel_id === w.discord.channelId && m.content.includes(`Job \`${jobId}\``))!;

async function press(w: World, customId: string, message: ApiMessage) {
  const payload = buttonPress(w.discord.context(ANN), customId, message);
  await w.discord.dispatchInteraction(payload);
  return answerTo(w.discord, payload);
}

/** The post in the job's thread that delivered this generation (its footer carries `gen <id>`). */
const deliveredPost = (w: World, generationId: string): ApiMessage | undefined =>
  [...w.discord.messages.values()].find((m) => m.author.id === w.discord.bot.id && m.content.includes(`gen ${generationId}`));

/** The delivered post carries the cost above its footer, which stays last; the edit pings no one. */
async function expectCostOnDelivery(w: World, jobId: string, generationId: string, costLine: string) {
  await eventually(() => deliveredPost(w, generationId)?.content.includes(costLine) === true, 5_000, 'the cost on the delivered post');
  const post = deliveredPost(w, generationId)!;
  const lines = post.content.split('\n');
  expect(lines.at(-2)).toContain(costLine);
  expect(lines.at(-1)).toBe(`-# Job \`${jobId}\` · gen ${generationId}`);
  expect(post.attachments.length + (post.content.includes('http') ? 1 : 0)).toBeGreaterThan(0);
  const edits = w.discord.callsTo('editMessage').filter((c) => c.path.endsWith(`/messages/${post.id}`));
  expect(edits).toHaveLength(1);
  expect(edits[0]!.json.allowed_mentions).toEqual({ parse: [] });
  expect(edits[0]!.json.components).toBeUndefined();
}

const enqueued = (w: World) => w.oxen.requestsTo('enqueue').map((r) => JSON.parse(r.body) as Record<string, unknown>);
const stateOf = async (w: World, id: string) => {
  const s = await w.core.service.status(id);
  return s.ok ? s.value.job.state : 'missing';
};

describe('Seedance 2.5 and cost on Discord', () => {
  it('/video version 2.5: its model and body, the estimate before anything is spent, what Oxen charged once done', async () => {
    world = await startWorld({ oxen: { timing: 'manual' } });
    const { discord, oxen } = world;
    const answer = await video(world, [
      { name: 'prompt', type: STRING, value: 'a lighthouse in a storm' },
      { name: 'version', type: STRING, value: '2.5' },
      { name: 'duration', type: STRING, value: '20' },
    ]);
    expect(answer).toMatch(/^Started job/);
    const jobId = jobIdOf(answer);
    // 20 s at 2.5's audio rate (audio is on by default; the fake's invented $0.24/s).
    const status = statusOf(world, jobId);
    expect(status.content).toContain('Seedance 2.5 - Text to Video');
    expect(status.content).toContain('Estimate: $4.80 (20 s of video)');

    await eventually(() => enqueued(world!).length === 1, 5_000, 'the enqueue');
    expect(enqueued(world)[0]).toMatchObject({ model: 'bytedance-seedance-2-5-text-to-video', duration: 20, generate_audio: true, output_format: 'mp4' });
    const [generationId] = [...oxen.generations.keys()];
    oxen.advance(generationId!);
    oxen.advance(generationId!);
    await eventually(async () => (await stateOf(world!, jobId)) === 'done', 8_000, 'done');
    await eventually(() => discord.messages.get(status.id)!.content.includes('Cost: $4.80 (as Oxen reports it)'), 5_000, 'the cost on the status message');
    // One lookup, of this generation: not one per status edit.
    expect(oxen.requestsTo('showGeneration').map((r) => r.path)).toEqual([`/api/ai/generations/${generationId}`]);
    // The post that delivered the video says it too, from the same lookup.
    await expectCostOnDelivery(world, jobId, generationId!, '-# Cost: $4.80 (as Oxen reports it)');
    expect(oxen.requestsTo('showGeneration')).toHaveLength(1);

    const params = await press(world, `job:params:${jobId}`, discord.messages.get(status.id)!);
    expect(params).toContain('version `2.5`');
    expect(params).toContain('cost `$4.80 (as Oxen reports it)`');
  });

  it("the Make video form's options field takes --v2.5 like every other flag", async () => {
    world = await startWorld();
    const { discord } = world;
    const target = await discord.postUserMessage(BOB, { content: 'a storm at sea' });
    const menu = messageContextMenu(discord.context(ANN), 'Make video', target);
    await discord.dispatchInteraction(menu);
    await eventually(() => discord.callbacks.has(menu.id), 3_000, 'the modal');
    const submit = modalSubmit(discord.context(ANN), `modal:make:${discord.channelId}:${target.id}`, { prompt: 'a storm at sea', options: '--v2.5 --duration 25' });
    await discord.dispatchInteraction(submit);
    expect(await answerTo(discord, submit)).toMatch(/^Started job .* with Seedance 2\.5 - Text to Video/);
    await eventually(() => enqueued(world!).length === 1, 5_000, 'the enqueue');
    expect(enqueued(world)[0]).toMatchObject({ model: 'bytedance-seedance-2-5-text-to-video', duration: 25 });
  });

  it('says the cost is unknown when Oxen reports none', async () => {
    world = await startWorld();
    world.oxen.switches.costs = 'missing';
    const jobId = jobIdOf(await video(world, [{ name: 'prompt', type: STRING, value: 'a fox' }]));
    await eventually(async () => (await stateOf(world!, jobId)) === 'done', 8_000, 'done');
    await eventually(() => world!.discord.messages.get(statusOf(world!, jobId).id)!.content.includes('Cost unknown'), 5_000, 'cost unknown');
    const [generationId] = [...world.oxen.generations.keys()];
    await expectCostOnDelivery(world, jobId, generationId!, '-# Cost unknown');
  });

  it('count 2: each delivered post gets its own video\'s cost', async () => {
    world = await startWorld();
    const jobId = jobIdOf(await video(world, [{ name: 'prompt', type: STRING, value: 'a fox' }, { name: 'duration', type: STRING, value: '5' }, { name: 'count', type: INTEGER, value: 2 }]));
    await eventually(async () => (await stateOf(world!, jobId)) === 'done', 8_000, 'done');
    const generationIds = [...world.oxen.generations.keys()];
    expect(generationIds).toHaveLength(2);
    // 5 s of Fast 720p at the fake's $0.16/s, each.
    for (const id of generationIds) await expectCostOnDelivery(world, jobId, id, '-# Cost: $0.80 (as Oxen reports it)');
    await eventually(() => world!.discord.messages.get(statusOf(world!, jobId).id)!.content.includes('Cost: $1.60 (as Oxen reports it)'), 5_000, 'the total on the status');
  });

  it('a delivered post that cannot be found again (no Read Message History) is left as it is; the job still ends with its cost', async () => {
    world = await startWorld();
    world.discord.switches.deny.add('readHistory');
    const jobId = jobIdOf(await video(world, [{ name: 'prompt', type: STRING, value: 'a fox' }, { name: 'duration', type: STRING, value: '5' }]));
    await eventually(async () => (await stateOf(world!, jobId)) === 'done', 8_000, 'done');
    await eventually(() => world!.discord.messages.get(statusOf(world!, jobId).id)!.content.includes('Cost: $0.80 (as Oxen reports it)'), 5_000, 'the cost on the status');
    const [generationId] = [...world.oxen.generations.keys()];
    // The failed look-up is reported (as data, for the log), and that is all it does.
    await eventually(() => world!.core.errors.some((e) => e.step === 'cost.note'), 5_000, 'the failed edit reported');
    expect(deliveredPost(world, generationId!)!.content).not.toContain('Cost');
    expect(await stateOf(world, jobId)).toBe('done');
  });

  it('a 2.0 duration that 2.5 does not make is refused before anything is spent, saying what it takes', async () => {
    world = await startWorld();
    const answer = await video(world, [
      { name: 'prompt', type: STRING, value: 'a fox' },
      { name: 'version', type: STRING, value: '2.5' },
      { name: 'duration', type: STRING, value: '7' },
    ]);
    expect(answer).toContain('cannot take duration `7`');
    expect(answer).toContain('`30`');
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});

describe('the cost line on a delivered post', () => {
  it('fits 2,000 characters by shortening the text, never the link or the footer, and replaces an earlier cost line', () => {
    const url = `https://example.com/v/${'a'.repeat(300)}`;
    const footer = '-# Job `abc234` · gen 11111111-2222-3333-4444-555555555555';
    const content = ['<@123> 🎬 **Seedance**', 'why '.repeat(200), url, `References: ${'x'.repeat(2000)}`.slice(0, 2000 - 900 - url.length), footer].join('\n');
    const withCost = withCostLine(content, 'Cost: $0.42 (as Oxen reports it)');
    expect(DISCORD_TEXT_LIMIT.measure!(withCost)).toBeLessThanOrEqual(2000);
    const lines = withCost.split('\n');
    expect(lines).toContain(url);
    expect(lines.at(-1)).toBe(footer);
    expect(lines.at(-2)).toBe('-# Cost: $0.42 (as Oxen reports it)');
    expect(lines[0]).toMatch(/^<@123> /);
    const again = withCostLine(withCost, 'Cost unknown: Oxen did not say what it charged').split('\n');
    expect(again.filter((l) => l.startsWith('-# Cost'))).toEqual(['-# Cost unknown: Oxen did not say what it charged']);
    expect(again.at(-1)).toBe(footer);
  });
});

describe('seeds on Discord', () => {
  it("today's schema has no seed: the option is refused with a sentence saying so", async () => {
    world = await startWorld();
    const answer = await video(world, [
      { name: 'prompt', type: STRING, value: 'a fox' },
      { name: 'seed', type: INTEGER, value: 42 },
    ]);
    expect(answer).toContain('takes no seed');
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });

  it('a given seed is sent, shown in Parameters and kept by Retry; a drawn one is replaced by Retry', async () => {
    world = await startWorld({ oxen: { dialect: 'seed' } });
    const given = jobIdOf(await video(world, [{ name: 'prompt', type: STRING, value: 'a fox' }, { name: 'seed', type: INTEGER, value: 42 }]));
    await eventually(async () => (await stateOf(world!, given)) === 'done', 8_000, 'done');
    expect(enqueued(world)[0]!['seed']).toBe(42);
    const status = statusOf(world, given);
    expect(await press(world, `job:params:${given}`, status)).toContain('seed `42 (given)`');
    expect(await press(world, `job:retry:${given}`, status)).toMatch(/^Started job/);
    await eventually(() => enqueued(world!).length === 2, 5_000, 'the retry');
    expect(enqueued(world)[1]!['seed']).toBe(42);

    const drawn = jobIdOf(await video(world, [{ name: 'prompt', type: STRING, value: 'a wolf' }]));
    await eventually(async () => (await stateOf(world!, drawn)) === 'done', 8_000, 'done');
    const first = enqueued(world)[2]!['seed'];
    expect(first).toEqual(expect.any(Number));
    const drawnStatus = statusOf(world, drawn);
    expect(await press(world, `job:params:${drawn}`, drawnStatus)).toContain(`seed \`${String(first)} (drawn; Retry draws another)\``);
    expect(await press(world, `job:retry:${drawn}`, drawnStatus)).toMatch(/^Started job/);
    await eventually(() => enqueued(world!).length === 4, 5_000, 'the second retry');
    expect(enqueued(world)[3]!['seed']).toEqual(expect.any(Number));
    expect(enqueued(world)[3]!['seed']).not.toBe(first);
  });
});

describe('/usage', () => {
  it("shows today's seconds and dollars, the person's and the server's, privately and without pings", async () => {
    world = await startWorld({ service: { budget: { videoSecondsPerDay: 100, usdPerDay: 50 } } });
    const jobId = jobIdOf(await video(world, [{ name: 'prompt', type: STRING, value: 'a fox' }, { name: 'duration', type: STRING, value: '5' }]));
    await eventually(async () => (await stateOf(world!, jobId)) === 'done', 8_000, 'done');
    const payload = slashCommand(world.discord.context(ANN), 'usage', []);
    await world.discord.dispatchInteraction(payload);
    const text = await answerTo(world.discord, payload);
    expect(world.discord.callbacks.get(payload.id)).toMatchObject({ type: 5, flags: 64 });
    // 5 s of Fast 720p at the fake's $0.16/s.
    expect(text).toContain('This server: 5 video-seconds of 100 video-seconds, $0.80 of $50.00');
    expect(text).toContain('You: 5 video-seconds');
    const reply = world.discord.calls.find((c) => c.route === 'webhookEditOriginal' && c.path.includes(payload.token))!;
    expect(reply.json.allowed_mentions).toEqual({ parse: [] });
  });
});
