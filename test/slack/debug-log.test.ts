/**
 * At LOG_LEVEL=debug, the Slack SDKs' own debug lines (every Web API answer, request bodies,
 * incoming events) are reduced to method names and outcomes: a thread whose first message is a
 * private text, read by a mention, and a delivery through a presigned upload URL leave neither in
 * the log. Real Bolt and Web API client, fake Slack and Oxen, the bot's real JSON logger.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { debugFields } from '../../src/slack/bolt-logger.js';
import { captureLog } from '../app/helpers.js';
import { appMention } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const PRIVATE = 'PRIVATE-do-not-log-the-board-meets-at-nine';

describe('debug logs of the Slack exchange', () => {
  it('name the methods and their outcomes, never message text or upload URLs', async () => {
    const captured = captureLog([], 'debug');
    world = await startWorld({ log: captured.log });
    const { slack, bot } = world;
    const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
    const root = slack.addMessage({ channel: 'C1', user: 'U2', text: PRIVATE, files: [cat] });
    const text = `<@UBOT> @cat.png walks --fast ${'quietly '.repeat(3)}`;
    const reply = slack.addMessage({ channel: 'C1', user: 'U1', text, thread_ts: root.ts });
    expect((await bot.sender.event(appMention({ channel: 'C1', user: 'U1', text, ts: reply.ts, thread_ts: root.ts }))).status).toBe(200);
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'delivered');
    const upload = [...slack.uploads.keys()];
    expect(upload).toHaveLength(1);

    const log = captured.text();
    // None of what Slack said: the private text, the presigned upload URL, file URLs.
    expect(log).not.toContain('PRIVATE-do-not-log');
    expect(log).not.toContain(`${slack.origin}/upload/`);
    expect(log).not.toContain('/upload/');
    expect(log).not.toContain('url_private');
    expect(log).not.toContain('quietly');
    // Yet the exchange was logged at debug level: the methods it used are named, with their outcome.
    const lines = captured.lines().filter((l) => l['event'] === 'slack.bolt');
    expect(lines).toContainEqual(expect.objectContaining({ method: 'conversations.replies', phase: 'start' }));
    expect(lines).toContainEqual(expect.objectContaining({ method: 'files.getUploadURLExternal', phase: 'end' }));
    expect(lines).toContainEqual(expect.objectContaining({ message: 'http request result', outcome: 'ok' }));
  });

  it('keep a failed call\'s error code, and drop lines that are only payload', () => {
    expect(debugFields(['http request result: {"ok":false,"error":"not_in_channel","response_metadata":{}}'])).toEqual({ message: 'http request result', outcome: 'not_in_channel' });
    expect(debugFields([`http request body: {"text":"${PRIVATE}"}`])).toEqual({ message: 'http request body' });
    expect(debugFields([`{"event":{"text":"${PRIVATE}"}}`])).toBeUndefined();
    expect(debugFields([`http request url: https://files.example/upload/v1/abc`])).toEqual({ message: 'http request url' });
  });
});
