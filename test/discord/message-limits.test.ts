/**
 * Every message fits Discord's 2,000 characters, however much was typed: 10,000 unknown flags
 * get one reply that lists ten and counts the rest (it used to be refused by Discord and lost);
 * a prompt at the bot's maximum with nine long file names still makes a status message, and the
 * video's summary keeps its delivery marker (what finds an already-posted video after a restart).
 * Real discord.js adapter; the fake Discord refuses what Discord refuses (test/fakes/discord/limits.ts).
 * (Discord itself caps a typed message at 4,000 characters; the fake delivers more, to test the bound.)
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_MAX_LENGTH } from '../../src/core/options/parse-options.js';
import { apiUser } from '../fakes/discord/payloads.js';
import { eventually } from '../helpers/harness.js';
import { ANN, media, postsTo, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const flags = (n: number) => Array.from({ length: n }, (_, i) => `--nope${i}`).join(' ');

describe('refusals', () => {
  it('answer 10,000 unknown flags in a mention with one reply under the limit, saying how many more', async () => {
    world = await startWorld({ messageContentIntent: true });
    const { discord } = world;
    const bad = await discord.postUserMessage(ANN, { content: `<@${discord.bot.id}> a fox ${flags(10_000)}`, mentions: [apiUser(discord.bot)] });
    const answer = await discord.waitForCall((c) => c.route === 'createMessage' && c.json?.message_reference?.message_id === bad.id, 5_000, 'the problems');
    expect(answer.status).toBe(200);
    const content = String(answer.json.content);
    expect([...content].length).toBeLessThanOrEqual(2_000);
    expect(content).toContain('for 10000 reasons (nothing was spent)');
    expect(content).toContain('…and 99');
    expect(content).toMatch(/…and \d+ more\. Fix these first; sending it again lists what is left\.$/);
    expect(answer.json.allowed_mentions).toEqual({ parse: [] });
  });
});

describe('status messages and summaries', () => {
  it('fit with a prompt at the maximum and nine long file names, and keep the job id and the delivery marker', async () => {
    world = await startWorld({ messageContentIntent: true, oxen: { timing: { queuedMs: 20, processingMs: 40 } } });
    const { discord } = world;
    const names = Array.from({ length: 9 }, (_, i) => `${'a-very-long-file-name-'.repeat(11)}${i}.png`);
    // Every file is named, so the prompt the model gets is the person's own (nothing is added to it).
    const labels = names.map((_, i) => `@Image${i + 1}`).join(' ');
    const prompt = `a fox with ${labels} ${'in deep snow '.repeat(400)}`.slice(0, PROMPT_MAX_LENGTH - 30).trim();
    await discord.postUserMessage(ANN, {
      content: `<@${discord.bot.id}> ${prompt}`,
      mentions: [apiUser(discord.bot)],
      attachments: names.map((name) => discord.attachment(name, media('cat.png'), { contentType: 'image/png' })),
    });
    await eventually(() => postsTo(discord, discord.channelId).length === 1, 8_000, 'the status message');
    const status = String(postsTo(discord, discord.channelId)[0]!.json.content);
    expect([...status].length).toBeLessThanOrEqual(2_000);
    const jobId = /-# Job `([a-z2-9]{6})`$/.exec(status)?.[1];
    expect(jobId).toBeDefined();

    const upload = await discord.waitForCall((c) => c.files.some((f) => f.name.startsWith('seedance-')), 8_000, 'the video');
    expect(upload.status).toBe(200);
    const summary = String(upload.json.content);
    expect([...summary].length).toBeLessThanOrEqual(2_000);
    expect(summary).toMatch(new RegExp(`-# Job \`${jobId}\` · gen \\S+$`));
    expect(summary).toContain('@Image1 = ');
  });
});
