/**
 * One instance on the embedded SQLite store, restarted: what Slack sends again after the restart
 * (an event's retry, a command replayed) was claimed before it, so it is not a second job. The
 * real Bolt app in HTTP mode, the real store, the fake Slack and Oxen (test/slack/helpers.ts).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { appMention } from '../fakes/slack/payloads.js';
import { eventually, onlyJob, startWorld, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('claims survive a restart (SQLite)', () => {
  it('an event handled before a restart and retried after it is one job', async () => {
    world = await startWorld();
    const { slack, oxen, bot, handle } = world;
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text: '<@UBOT> a fox' });
    const event = appMention({ channel: 'C1', user: 'U1', text: '<@UBOT> a fox', ts: message.ts });
    expect((await bot.sender.event(event, { eventId: 'EvRestart1' })).status).toBe(200);
    await onlyJob(bot.core);
    // 8 s, not 5: in one full-suite run beside FFmpeg conversions this test took over 10 s (1.2 s alone).
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 8_000, 'the enqueue');

    await bot.stop();
    const restarted = await world.startBot(handle.reopen());
    const retry = await restarted.sender.event(event, { eventId: 'EvRestart1', headers: { 'x-slack-retry-num': '2', 'x-slack-retry-reason': 'http_error' } });
    expect(retry.status).toBe(200);
    // A new event (another id) is still handled: the restarted bot works.
    const other = slack.addMessage({ channel: 'C1', user: 'U2', text: '<@UBOT> an owl' });
    await restarted.sender.event(appMention({ channel: 'C1', user: 'U2', text: '<@UBOT> an owl', ts: other.ts }), { eventId: 'EvRestart2' });
    await eventually(() => oxen.requestsTo('enqueue').length >= 2, 8_000, 'the second event');
    await new Promise((r) => setTimeout(r, 500));
    expect(oxen.requestsTo('enqueue')).toHaveLength(2);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === undefined)).toHaveLength(2);
  });

  it('a slash command replayed after a restart is acknowledged quietly and is not a second job', async () => {
    world = await startWorld();
    const { slack, oxen, bot, handle } = world;
    const fields = { trigger_id: 'trigger-restart-1' };
    expect((await bot.sender.command('a red fox --duration 5', fields)).status).toBe(200);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'the enqueue');

    await bot.stop();
    const restarted = await world.startBot(handle.reopen());
    const replay = await restarted.sender.command('a red fox --duration 5', fields);
    expect([replay.status, replay.body]).toEqual([200, '']);
    await new Promise((r) => setTimeout(r, 500));
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts'] === undefined)).toHaveLength(1);
  });
});
