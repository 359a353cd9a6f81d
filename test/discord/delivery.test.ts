/**
 * Delivery edge cases: a video over the guild's limit becomes a link with the reason, missing
 * permissions give clear messages instead of crashes, and a crash between the upload and its
 * record does not post the video twice (findDelivered).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { slashCommand } from '../fakes/discord/index.js';
import { eventually } from '../helpers/harness.js';
import { ANN, answerTo, media, postsTo, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function video(w: World, prompt = 'a fox in snow') {
  const payload = slashCommand(w.discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: prompt }]);
  await w.discord.dispatchInteraction(payload);
  return payload;
}

const jobIdOf = (answer: string) => /`([a-z2-9]{6})`/.exec(answer)![1]!;

describe('delivery', () => {
  it('checks the guild limit by boost tier before uploading: a bigger video becomes a link with the reason', async () => {
    const size = media('clip3s.mp4').byteLength;
    const asked: number[] = [];
    world = await startWorld({ discord: { premiumTier: 2 }, adapter: { uploadLimitForTier: (tier) => (asked.push(tier), size - 1) } });
    const { discord } = world;
    const payload = await video(world);
    const jobId = jobIdOf(await answerTo(discord, payload));
    await eventually(async () => {
      const s = await world!.core.service.status(jobId);
      return s.ok && s.value.job.state === 'done';
    }, 8_000, 'done');
    expect(asked).toContain(2);
    expect(discord.calls.filter((c) => c.files.length > 0)).toHaveLength(0);
    const thread = [...discord.threads.keys()][0]!;
    const link = postsTo(discord, thread).at(-1)!;
    expect(link.json.content).toMatch(/larger than this server's upload limit/);
    expect(link.json.content).toContain(world.oxen.resultsUrl);
    // The link stands for the video: it pings the person who asked, and only them.
    expect(link.json.allowed_mentions).toEqual({ parse: [], users: [ANN.id] });
    const s = await world.core.service.status(jobId);
    expect(s.ok && s.value.job.generations[0]!.deliveredAs).toBe('link');
  });

  it('cannot attach files: a link with a sentence naming the permission, no crash', async () => {
    world = await startWorld();
    const { discord } = world;
    discord.switches.deny.add('attachFiles');
    const jobId = jobIdOf(await answerTo(discord, await video(world)));
    const thread = await eventually(() => discord.threads.size === 1).then(() => [...discord.threads.keys()][0]!);
    await eventually(() => postsTo(discord, thread).some((c) => String(c.json?.content).includes('Attach Files')), 8_000, 'the link');
    const link = postsTo(discord, thread).find((c) => String(c.json?.content).includes('Attach Files'))!;
    expect(link.json.content).toContain(world.oxen.resultsUrl);
    expect(discord.calls.filter((c) => c.files.length > 0 && c.status === 403)).toHaveLength(1);
    await eventually(async () => {
      const s = await world!.core.service.status(jobId);
      return s.ok && s.value.job.state === 'done';
    }, 5_000, 'done');
  });

  it('cannot create threads: says so in the channel and to the user, spends nothing', async () => {
    world = await startWorld();
    const { discord, oxen } = world;
    discord.switches.deny.add('createThreads');
    const answer = await answerTo(discord, await video(world));
    expect(answer).toContain('Create Public Threads');
    expect(answer).toContain('Nothing was spent');
    const status = [...discord.messages.values()].find((m) => m.author.id === discord.bot.id && m.content.includes('⚠️'))!;
    expect(status.content).toContain('Create Public Threads');
    expect(status.components).toEqual([]);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
    // The slot was given back: the next request works once the permission is there.
    discord.switches.deny.delete('createThreads');
    expect(await answerTo(discord, await video(world, 'again'))).toMatch(/^Started job/);
  });

  it('cannot send messages: an ephemeral sentence naming the permission', async () => {
    world = await startWorld();
    const { discord } = world;
    discord.switches.deny.add('sendMessages');
    const answer = await answerTo(discord, await video(world));
    expect(answer).toContain('Send Messages');
    expect(discord.callsTo('startThread')).toHaveLength(0);
    expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
  });

  it('findDelivered: a video already in the thread (a crash before its record) is not posted again', async () => {
    world = await startWorld();
    const { discord } = world;
    const port = world.adapter.port;
    const jobId = jobIdOf(await answerTo(discord, await video(world)));
    await eventually(async () => {
      const s = await world!.core.service.status(jobId);
      return s.ok && s.value.job.state === 'done';
    }, 8_000, 'done');
    const s = await world.core.service.status(jobId);
    if (!s.ok) throw new Error('job missing');
    const generation = s.value.job.generations[0]!;
    expect(await port.findDelivered!(s.value.job, generation)).toBe(true);
    expect(await port.findDelivered!(s.value.job, { ...generation, id: 'another-generation' })).toBe(false);
  });

  it('an upload whose response is lost is not sent again: one attempt, then findDelivered sees it in the thread', async () => {
    world = await startWorld();
    const { discord } = world;
    discord.switches.loseUploadResponses = 1;
    const jobId = jobIdOf(await answerTo(discord, await video(world)));
    await eventually(async () => {
      const s = await world!.core.service.status(jobId);
      return s.ok && s.value.job.state === 'done';
    }, 10_000, 'done');
    const uploads = discord.calls.filter((c) => c.files.some((f) => f.name.startsWith('seedance-')));
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.status).toBe(500);
    const thread = [...discord.threads.keys()][0]!;
    expect(discord.messagesIn(thread).filter((m) => m.attachments.length > 0)).toHaveLength(1);
    const s = await world.core.service.status(jobId);
    expect(s.ok && s.value.job.generations[0]!.deliveredAs).toBe('upload');
  });

  it('never logs the bot token', async () => {
    world = await startWorld();
    const { discord } = world;
    discord.switches.deny.add('createThreads');
    await answerTo(discord, await video(world));
    expect(JSON.stringify(world.log.lines, (_k, v: unknown) => (v instanceof Error ? `${v.message} ${v.stack}` : v))).not.toContain(discord.token);
  });
});
