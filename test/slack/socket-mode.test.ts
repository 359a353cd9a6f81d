/**
 * Socket Mode end to end: the real Bolt app and @slack/socket-mode client open the fake Slack's
 * socket with the app-level token (apps.connections.open on SLACK_API_URL), and `/video`, a
 * mention with files and the Cancel button arrive as envelopes that are acknowledged over the
 * socket and become jobs at the fake Oxen, claimed once when they arrive twice; a wrong app token
 * stops start-up with a sentence.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION_CANCEL } from '../../src/slack/requirements.js';
import { captureLog } from '../app/helpers.js';
import { appMention, blockAction } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, stateOf } from './helpers.js';
import { startSocketWorld, type SocketWorld } from './socket-mode-world.js';

const VIDEO = readFileSync(new URL('../fixtures/media/clip3s.mp4', import.meta.url));

let world: SocketWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe('Socket Mode', () => {
  it('connects with the app-level token to SLACK_API_URL, and is ready once Slack said hello', async () => {
    world = await startSocketWorld();
    const { slack, bot } = world;
    expect(slack.socketMode.opens).toEqual([expect.objectContaining({ authorization: `Bearer ${slack.appToken}`, ok: true })]);
    expect(slack.socketMode.live()).toHaveLength(1);
    expect(bot.adapter.isConnected()).toBe(true);
    expect(await bot.ready()).toBe(true);
    // The bot token is never used to open the socket, the app token never for the Web API.
    expect(slack.calls.filter((c) => c.method !== 'apps.connections.open').every((c) => c.authorization === `Bearer ${slack.botToken}`)).toBe(true);
  });

  it('/video over the socket: acknowledged at once, one job, the video uploaded into the thread', async () => {
    world = await startSocketWorld();
    const { slack, oxen, bot } = world;
    const delivery = await slack.socketMode.command('a red fox running through snow --fast --duration 5');
    const ack = await slack.socketMode.ackOf(delivery, 3_000);
    // An empty acknowledgement: the answer comes as the status message, not in the ack.
    expect(JSON.stringify(ack.payload ?? {})).toBe('{}');

    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 10_000, 'done');
    const uploads = [...slack.uploads.values()];
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.bytes!.equals(VIDEO)).toBe(true);
    const statusTs = slack.messages.find((m) => m.text?.includes(job.id))!.ts;
    expect(uploads[0]!.completed).toMatchObject({ channel_id: 'C1', thread_ts: statusTs });
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
    expect(slack.socketMode.deliveries.map((d) => d.outcome)).toEqual(['acked']);
  });

  it('answers flag problems in the ack itself, over the socket, and spends nothing', async () => {
    world = await startSocketWorld();
    const { slack, oxen } = world;
    const ack = await slack.socketMode.ackOf(await slack.socketMode.command('a fox --res 9000p'), 3_000);
    expect(ack.payload).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('9000p') });
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
  });

  it('a mention with files over the socket: the files, fetched with the bot token, are the references', async () => {
    world = await startSocketWorld();
    const { slack, oxen, bot } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const text = '<@UBOT> @cat.png walks in the rain --fast';
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text, files: [cat] });
    const delivery = await slack.socketMode.event(appMention({ channel: 'C1', user: 'U1', text, ts: message.ts, files: [cat] }));
    await slack.socketMode.ackOf(delivery, 3_000);

    const job = await onlyJob(bot.core);
    expect(job.references.map((r) => [r.label, r.name])).toEqual([['@Image1', 'cat.png']]);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 10_000, 'done');
    expect(slack.downloads).toEqual([{ fileId: cat.id, authorization: `Bearer ${slack.botToken}` }]);
    const body = JSON.parse(oxen.requestsTo('enqueue')[0]!.body) as Record<string, unknown>;
    expect(body['prompt']).toBe('@Image1 walks in the rain');
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
    expect([...slack.uploads.values()][0]!.completed).toMatchObject({ channel_id: 'C1' });
  });

  it('the Cancel button over the socket cancels the job', async () => {
    world = await startSocketWorld({ timing: 'manual' });
    const { slack, oxen, bot } = world;
    await slack.socketMode.ackOf(await slack.socketMode.command('a fox that will be cancelled'), 3_000);
    const job = await onlyJob(bot.core);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'enqueued');
    const saved = (await bot.core.service.status(job.id)) as { ok: true; value: { job: typeof job } };
    const click = await slack.socketMode.interactive(
      blockAction({ user: 'U1', channel: 'C1', messageTs: saved.value.job.destination.statusMessageId!, actionId: ACTION_CANCEL, value: job.id, responseUrl: slack.responseUrl() }),
    );
    await slack.socketMode.ackOf(click, 3_000);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'cancelled', 8_000, 'cancelled');
    expect(oxen.requestsTo('cancel')).toHaveLength(1);
  });

  it('a command and a click that arrive twice (two envelopes, one trigger_id) are claimed once', async () => {
    const captured = captureLog([], 'info');
    world = await startSocketWorld({ timing: 'manual', log: captured.log });
    const { slack, oxen, bot } = world;
    const command = await slack.socketMode.command('a fox that arrives twice');
    const again = await slack.socketMode.send('slash_commands', command.payload);
    await slack.socketMode.ackOf(command, 3_000);
    await slack.socketMode.ackOf(again, 3_000);
    const job = await onlyJob(bot.core);
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 5_000, 'enqueued');

    const saved = (await bot.core.service.status(job.id)) as { ok: true; value: { job: typeof job } };
    const payload = blockAction({ user: 'U1', channel: 'C1', messageTs: saved.value.job.destination.statusMessageId!, actionId: ACTION_CANCEL, value: job.id, responseUrl: slack.responseUrl() });
    const clicks = [await slack.socketMode.interactive(payload), await slack.socketMode.interactive(payload)];
    for (const click of clicks) await slack.socketMode.ackOf(click, 3_000);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'cancelled', 8_000, 'cancelled');

    const claimedElsewhere = captured.lines().filter((l) => l['event'] === 'slack.already_claimed').map((l) => l['kind']);
    expect(claimedElsewhere.sort()).toEqual(['slack:action', 'slack:command']);
    expect(await bot.core.service.list({ platform: 'slack', userId: 'U1' })).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage').filter((c) => !c.args['thread_ts'])).toHaveLength(1);
  });

  it('a wrong app token stops start-up with a sentence naming SLACK_APP_TOKEN', async () => {
    await expect(startSocketWorld({ appToken: 'xapp-1-A1-0000-notTheRightOne' })).rejects.toThrow(/could not connect \(invalid_auth\).*SLACK_APP_TOKEN/);
  });
});
