/**
 * Socket Mode when the socket goes away: a dropped socket makes the bot not ready until it has a
 * new one (the real readiness check), Slack's `disconnect` refresh is followed by a new socket at
 * once, `link_disabled` is logged with what to do, a socket without `hello` is given up and
 * tried again, shutting down does not reconnect, and an event whose acknowledgement was lost
 * when the socket dropped, delivered again after the reconnect (retry_attempt 1), is one job.
 * Real Bolt and @slack/socket-mode client against the fake Slack's Socket Mode endpoint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { captureLog } from '../app/helpers.js';
import { appMention } from '../fakes/slack/index.js';
import { eventually, onlyJob, stateOf } from './helpers.js';
import { startSocketWorld, type SocketWorld } from './socket-mode-world.js';

let world: SocketWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

/** After the one job: time for a second one to show up if a redelivery were handled again. */
const SETTLE_MS = 1_500;

describe('Socket Mode reconnects', () => {
  it('is not ready while the socket is down, keeps trying through an API outage, and is ready again once a new one said hello', async () => {
    world = await startSocketWorld();
    const { slack, bot } = world;
    expect(await bot.ready()).toBe(true);
    // Slack's API is down too for a while: apps.connections.open answers 503.
    slack.socketMode.switches.openStatus = 503;
    slack.socketMode.drop();
    await eventually(async () => !(await bot.ready()), 3_000, 'not ready after the drop');
    expect(bot.adapter.isConnected()).toBe(false);
    // Opening keeps failing for a while: still not ready, and it keeps trying.
    await eventually(() => slack.socketMode.opens.filter((o) => !o.ok).length >= 2, 5_000, 'two refused opens');
    expect(await bot.ready()).toBe(false);
    delete slack.socketMode.switches.openStatus;
    await eventually(async () => await bot.ready(), 5_000, 'ready again');
    expect(slack.socketMode.live()).toHaveLength(1);

    // And the new socket carries commands.
    await slack.socketMode.ackOf(await slack.socketMode.command('a fox after the drop --fast'), 3_000);
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 10_000, 'done');
  });

  it('opens a new socket at once on a `disconnect` refresh and closes the old one itself', async () => {
    const captured = captureLog([], 'info');
    world = await startSocketWorld({ log: captured.log });
    const { slack, bot } = world;
    slack.socketMode.disconnect('refresh_requested');
    await slack.socketMode.waitForLive(1);
    await eventually(() => slack.socketMode.connections.length === 2 && slack.socketMode.live().length === 1, 5_000, 'the second socket');
    const [old, fresh] = slack.socketMode.connections;
    // The app closed the old socket (a close frame, not the fake's cut after 10 s), and was back
    // well within the 5 s that @slack/socket-mode's own reconnect waits.
    expect(old!.closeCode).toBe(1000);
    expect(fresh!.helloAt! - old!.closedAt!).toBeLessThan(2_000);
    expect(slack.socketMode.opens.map((o) => o.ok)).toEqual([true, true]);
    expect(captured.lines()).toContainEqual(expect.objectContaining({ event: 'slack.socket_closed', reason: 'refresh_requested' }));
    await eventually(async () => await bot.ready(), 3_000, 'ready');

    await slack.socketMode.ackOf(await slack.socketMode.command('a fox after the refresh --fast'), 3_000);
    expect(slack.socketMode.deliveries.at(-1)!.connection).toBe(fresh!.id);
    await onlyJob(bot.core);
  });

  it('says what to do when Slack turns Socket Mode off (link_disabled), and recovers when it is back on', async () => {
    const captured = captureLog([], 'info');
    world = await startSocketWorld({ log: captured.log });
    const { slack, bot } = world;
    // Whatever Slack answers apps.connections.open while Socket Mode is off: the fake refuses.
    slack.socketMode.switches.openError = 'socket_mode_disabled';
    slack.socketMode.disconnect('link_disabled');
    await eventually(async () => !(await bot.ready()), 3_000, 'not ready');
    const line = captured.lines().find((l) => l['event'] === 'slack.socket_disabled');
    expect(line?.['level']).toBe('error');
    expect(String(line?.['message'])).toMatch(/Socket Mode was turned off.*app settings.*SLACK_SIGNING_SECRET/);
    await eventually(() => captured.lines().some((l) => l['event'] === 'slack.socket_reopen_failed' && l['error'] === 'socket_mode_disabled'), 5_000, 'a refused reopen');
    delete slack.socketMode.switches.openError;
    await eventually(async () => await bot.ready(), 5_000, 'ready again');
  });

  it('closes a socket that never says hello and tries again', async () => {
    world = await startSocketWorld({ socketBackoff: { helloMs: 1_000 } });
    const { slack, bot } = world;
    slack.socketMode.switches.helloDelayMs = 60_000;
    slack.socketMode.drop();
    await eventually(() => slack.socketMode.connections.length >= 3, 10_000, 'a second try after a silent socket');
    // The silent one was closed by the app (a close frame), not left open.
    await eventually(() => slack.socketMode.connections[1]!.closedAt !== undefined, 5_000, 'the silent socket closed');
    expect(await bot.ready()).toBe(false);
    slack.socketMode.switches.helloDelayMs = 0;
    await eventually(async () => await bot.ready(), 10_000, 'ready again');
    expect(slack.socketMode.live()).toHaveLength(1);
  });

  it('on shutdown closes its socket and does not open another', async () => {
    world = await startSocketWorld();
    const { slack, bot } = world;
    await bot.stop();
    await eventually(() => slack.socketMode.connections[0]!.closedAt !== undefined, 5_000, 'closed');
    expect(slack.socketMode.connections[0]!.closeCode).toBe(1000);
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(slack.socketMode.opens).toHaveLength(1);
    expect(slack.socketMode.connections).toHaveLength(1);
    expect(await bot.ready()).toBe(false);
  });

  it('handles an event once when its ack was lost in a drop and Slack delivers it again after the reconnect', async () => {
    world = await startSocketWorld();
    const { slack, oxen, bot } = world;
    const text = '<@UBOT> a heron fishing at dawn --fast';
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text });
    // The app acknowledges, but the ack never reaches Slack: the socket drops with it in flight
    // (a long ack window, so it is the drop and not the window that brings the redelivery).
    slack.socketMode.switches.ackTimeoutMs = 60_000;
    slack.socketMode.switches.loseAllAcks = true;
    const first = await slack.socketMode.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts }));
    const job = await onlyJob(bot.core);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'enqueued');
    slack.socketMode.switches.loseAllAcks = false;
    const droppedAt = Date.now();
    slack.socketMode.drop();

    // Slack delivers it again on the new socket, as a retry of the same event.
    await eventually(() => slack.socketMode.deliveries.length === 2, 10_000, 'the redelivery');
    const again = slack.socketMode.deliveries[1]!;
    expect(again.payload['event_id']).toBe(first.payload['event_id']);
    expect(again).toMatchObject({ retryAttempt: 1, retryReason: 'connection_closed' });
    expect(again.connection).not.toBe(first.connection);
    // Back at once: @slack/socket-mode's own reconnect would have waited 5 s first.
    expect(again.at - droppedAt).toBeLessThan(4_000);
    await slack.socketMode.ackOf(again, 5_000);

    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 10_000, 'done');
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
    expect(await bot.core.service.list({ platform: 'slack', userId: 'U1' })).toHaveLength(1);
    expect(slack.messages.filter((m) => m.bot_id && m.text?.includes(job.id) && !m.thread_ts)).toHaveLength(1);
    expect(slack.uploads.size).toBe(1);
  });
});
