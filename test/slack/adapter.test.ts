/**
 * The adapter as main.ts sees it: the factory in both modes, a refused token at start (with
 * Slack's reason, never the token), "restarting" answers after stopAccepting, and no secret
 * handed to the logger or to anyone but the Slack API origin.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger, LogFields } from '../../src/core/log.js';
import { silentLogger } from '../../src/core/log.js';
import { createSlackAdapter, SlackAdapter } from '../../src/slack/index.js';
import { fetchPrivate } from '../../src/slack/files.js';
import { appMention, SlackSender, startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually, fixture, onlyJob, SIGNING_SECRET, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
let lone: FakeSlack | undefined;
afterEach(async () => {
  await world?.close();
  await lone?.close();
  world = undefined;
  lone = undefined;
});

function capturingLogger(lines: { level: string; event: string; fields?: LogFields }[]): Logger {
  const make = (base: LogFields): Logger => ({
    debug: (event, fields) => lines.push({ level: 'debug', event, fields: { ...base, ...fields } }),
    info: (event, fields) => lines.push({ level: 'info', event, fields: { ...base, ...fields } }),
    warn: (event, fields) => lines.push({ level: 'warn', event, fields: { ...base, ...fields } }),
    error: (event, fields) => lines.push({ level: 'error', event, fields: { ...base, ...fields } }),
    child: (fields) => make({ ...base, ...fields }),
  });
  return make({});
}

describe('createSlackAdapter', () => {
  it('serves /slack/events in HTTP mode and nothing in Socket Mode', () => {
    const http = createSlackAdapter({ botToken: 'xoxb-1', signingSecret: 'secret', apiUrl: 'http://127.0.0.1:9/api/' }, { log: silentLogger });
    expect(http.platform).toBe('slack');
    expect(typeof http.httpRoute).toBe('function');
    expect(http.isConnected()).toBe(false);
    const socket = createSlackAdapter({ botToken: 'xoxb-1', appToken: 'xapp-1-A1-1-abc', apiUrl: 'http://127.0.0.1:9/api/' }, { log: silentLogger });
    expect(socket.httpRoute).toBeUndefined();
    expect(socket.port.platform).toBe('slack');
  });

  it('refuses to start with a token Slack refuses, saying why and not echoing the token', async () => {
    lone = await startFakeSlack();
    const adapter = createSlackAdapter({ botToken: 'xoxb-wrong-token-value', signingSecret: 'secret', apiUrl: lone.url }, { log: silentLogger, retries: 0 });
    const failure = adapter.start({ service: {} as never, log: silentLogger });
    await expect(failure).rejects.toThrow(/invalid_auth.*SLACK_BOT_TOKEN/);
    await expect(failure).rejects.not.toThrow(/xoxb-wrong/);
    expect(adapter.isConnected()).toBe(false);
  });

  it('tells a network failure apart from a refused token', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve)); // nothing listens there now
    const adapter = createSlackAdapter({ botToken: 'xoxb-1', signingSecret: 'secret', apiUrl: `http://127.0.0.1:${port}/api/` }, { log: silentLogger, retries: 0 });
    const failure = adapter.start({ service: {} as never, log: silentLogger });
    await expect(failure).rejects.toThrow(/could not be reached.*SLACK_API_URL/);
    await expect(failure).rejects.not.toThrow(/refused the bot token/);
  });
});

describe('shutting down', () => {
  it('answers new commands and mentions with "restarting" after stopAccepting', async () => {
    world = await startWorld();
    const { bot, slack } = world;
    bot.adapter.stopAccepting();
    const ack = await bot.sender.command('a fox too late');
    expect(JSON.parse(ack.body)).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/restarting/) });
    const message = slack.addMessage({ channel: 'C1', user: 'U1', text: '<@UBOT> a fox' });
    await bot.sender.event(appMention({ channel: 'C1', user: 'U1', text: '<@UBOT> a fox', ts: message.ts }));
    await eventually(() => slack.callsTo('chat.postEphemeral').length === 1, 3_000, 'the answer');
    expect(String(slack.callsTo('chat.postEphemeral')[0]!.args['text'])).toMatch(/restarting/);
    expect(slack.callsTo('chat.postMessage')).toHaveLength(0);
  });
});

describe('secrets', () => {
  it('never hands the bot token or the signing secret to the logger, Oxen, or a non-Slack host', async () => {
    world = await startWorld();
    const { slack, oxen } = world;
    const lines: { level: string; event: string; fields?: LogFields }[] = [];
    const bot = await world.startBot();
    // A second bot on the same fakes, logging into `lines`.
    const adapter = new SlackAdapter({ botToken: slack.botToken, signingSecret: SIGNING_SECRET, apiUrl: slack.url }, { log: capturingLogger(lines), retries: 0 });
    await adapter.start({ service: bot.core.service, log: silentLogger });
    const server = createServer((req, res) => void adapter.httpRoute!(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sender = new SlackSender(`http://127.0.0.1:${(server.address() as { port: number }).port}/slack/events`, SIGNING_SECRET, { teamId: 'T1', channel: 'C1', user: 'U1', responseUrl: () => slack.responseUrl() });
    try {
      slack.switches.notInChannel.add('C1');
      const cat = slack.addFile('cat.png', fixture('cat.png'), 'image/png');
      const message = slack.addMessage({ channel: 'C1', user: 'U1', text: '<@UBOT> the cat', files: [cat] });
      await sender.command('forged', {}, { secret: 'wrong' });
      await sender.event(appMention({ channel: 'C1', user: 'U1', text: '<@UBOT> the cat', ts: message.ts, files: [cat] }));
      const job = await onlyJob(bot.core);
      await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 10_000, 'done');
      // A file URL on another host is refused before any request carries the token.
      await expect(fetchPrivate('http://127.0.0.2:1/file.png', { botToken: slack.botToken, apiUrl: slack.url })).rejects.toThrow(/not on a Slack host/);
    } finally {
      server.closeAllConnections();
      server.close();
      await adapter.close();
    }
    // Bolt's own warning about the forged request went through the adapter's logger.
    expect(lines.some((l) => l.level === 'warn' && /verify/i.test(JSON.stringify(l.fields)))).toBe(true);
    const logged = JSON.stringify(lines, (_k, v: unknown) => (v instanceof Error ? { message: v.message, stack: v.stack } : v));
    expect(logged).not.toContain(slack.botToken);
    expect(logged).not.toContain(SIGNING_SECRET);
    const toOxen = JSON.stringify(oxen.requests.map((r) => [r.path, r.headers, r.body]));
    expect(toOxen).not.toContain(slack.botToken);
    expect(toOxen).not.toContain(SIGNING_SECRET);
  });
});
