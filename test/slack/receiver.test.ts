/**
 * Bolt's HTTP receiver as mounted on the bot's server: signatures are verified (unsigned, forged
 * and stale requests are refused with 401 and do nothing), only POST /slack/events is taken, and
 * a slash command is acknowledged at once while slow work goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, onlyJob, startWorld, type World } from './helpers.js';

let world: World;
beforeAll(async () => {
  world = await startWorld({ timing: 'manual' });
});
afterAll(async () => {
  await world.close();
});

describe('request signatures', () => {
  it('refuses unsigned, forged and stale requests, and does nothing for them', async () => {
    const { bot, slack } = world;
    const unsigned = await bot.sender.command('an unsigned fox', {}, { signed: false });
    const forged = await bot.sender.command('a forged fox', {}, { secret: 'not-the-secret' });
    const stale = await bot.sender.command('a stale fox', {}, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    const future = await bot.sender.command('a future fox', {}, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 });
    expect([unsigned.status, forged.status, stale.status, future.status]).toEqual([401, 401, 401, 401]);
    await new Promise((r) => setTimeout(r, 200));
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(await bot.core.service.list({ platform: 'slack', userId: 'U1' })).toHaveLength(0);

    // Within the 5 minute window, it is taken.
    const recent = await bot.sender.command('a recent fox', {}, { timestamp: Math.floor(Date.now() / 1000) - 4 * 60 });
    expect(recent.status).toBe(200);
    const job = await onlyJob(bot.core);
    expect(job.request.prompt).toBe('a recent fox');
    await bot.core.service.cancel(job.id, { platform: 'slack', userId: 'U1' });
  });

  it('serves only POST /slack/events', async () => {
    const base = world.bot.sender.url;
    expect((await fetch(base)).status).toBe(405);
    expect((await fetch(base.replace('/slack/events', '/elsewhere'), { method: 'POST' })).status).toBe(404);
  });
});

describe('the 3 s acknowledgement', () => {
  it('acks /video at once while a slow status post is still under way', async () => {
    const { bot, slack } = world;
    slack.switches.delay.set('chat.postMessage', { ms: 3_100, count: 1 });
    const before = slack.callsTo('chat.postMessage').length;
    const ack = await bot.sender.command('a patient fox', { user_id: 'U7' });
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(1_000);
    await eventually(() => slack.callsTo('chat.postMessage').length > before, 3_000, 'the status post started');
    const job = await onlyJob(bot.core, 'U7');
    expect(job.destination.statusMessageId).toBeDefined();
  });
});
