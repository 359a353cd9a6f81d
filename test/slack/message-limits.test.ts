/**
 * Every message fits Slack's limits (3,000 characters of section text, counted escaped; 40,000 of
 * text; 50 blocks), however much was typed: 10,000 unknown flags get one reply that lists ten
 * and counts the rest, and a prompt at the bot's maximum with many long file names full of `<&>`
 * still makes a status message Slack accepts. Real Bolt adapter; the fake Slack refuses what
 * Slack refuses (test/fakes/slack/limits.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { PROMPT_MAX_LENGTH } from '../../src/core/options/parse-options.js';
import { appMention } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const flags = (n: number) => Array.from({ length: n }, (_, i) => `--nope${i}`).join(' ');
const sectionTexts = (blocks: unknown) => (blocks as { type: string; text?: { text: string } }[]).filter((b) => b.type === 'section').map((b) => b.text!.text);

describe('refusals', () => {
  it('answer 10,000 unknown flags in /video with one reply under the limit, saying how many more', async () => {
    world = await startWorld({ timing: 'manual' });
    const ack = await world.bot.sender.command(`a fox ${flags(10_000)}`);
    expect(ack.status).toBe(200);
    const text = (JSON.parse(ack.body) as { text: string }).text;
    expect(text.length).toBeLessThanOrEqual(3_000);
    expect(text).toContain('for 10000 reasons (nothing was spent)');
    expect(text.match(/is not an option/g)).toHaveLength(10);
    expect(text).toContain('…and 9990 more. Fix these first; sending it again lists what is left.');
  });

  it('answer 10,000 unknown flags in a mention with one private reply under the limit', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    const text = `<@UBOT> a fox ${flags(10_000)}`;
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text });
    expect((await bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts }))).status).toBe(200);
    await eventually(() => slack.callsTo('chat.postEphemeral').length === 1, 5_000, 'the reply');
    const reply = slack.callsTo('chat.postEphemeral')[0]!.args['text'] as string;
    expect(reply.length).toBeLessThanOrEqual(3_000);
    expect(reply).toContain('…and 9990 more');
  });
});

describe('status messages', () => {
  it('fit one section with a prompt at the maximum and nine long file names full of <&>', async () => {
    world = await startWorld({ timing: 'manual' });
    const { slack, bot } = world;
    const files = Array.from({ length: 9 }, (_, i) => slack.addFile(`${'<&>'.repeat(60)}-${i}.png`, fixture('cat.png'), 'image/png'));
    const prompt = `a & b <c> ${'<&>'.repeat(Math.floor((PROMPT_MAX_LENGTH - 40) / 3))}`.slice(0, PROMPT_MAX_LENGTH - 10);
    const text = `<@UBOT> ${prompt}`;
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text, files });
    expect((await bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts, files }))).status).toBe(200);
    const job = await onlyJob(bot.core);
    expect(job.references).toHaveLength(9);
    await eventually(() => slack.messages.some((m) => m.bot_id && m.blocks), 5_000, 'the status message');
    const status = slack.messages.find((m) => m.bot_id && m.blocks)!;
    const [section] = sectionTexts(status.blocks);
    expect(section!.length).toBeLessThanOrEqual(3_000);
    expect(section).toContain(`job \`${job.id}\``);
    expect(section).not.toMatch(/&[a-z]{0,4}…/); // never half an entity
    expect(slack.callsTo('chat.postEphemeral')).toHaveLength(0); // no "could not post" refusal
  });
});
