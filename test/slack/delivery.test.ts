/**
 * Delivery when Slack refuses: not_in_channel (joins a public channel, else a message saying to
 * invite the bot, with a link), a missing scope named in the message, a status post the bot may
 * not make (private answer, nothing spent), rate limits waited out, and the upload of a video of
 * unknown length (spooled, then streamed with the right length).
 */
import { Readable } from 'node:stream';
import { webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { uploadIntoThread } from '../../src/slack/upload.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually, onlyJob, startWorld, stateOf, type World } from './helpers.js';

let world: World | undefined;
let lone: FakeSlack | undefined;
afterEach(async () => {
  await world?.close();
  await lone?.close();
  world = undefined;
  lone = undefined;
});

const linkPosts = (w: World) => w.slack.callsTo('chat.postMessage').filter((c) => /Download it here/.test(String(c.args['text'])));

describe('not_in_channel', () => {
  it('joins a public channel and completes the upload', async () => {
    world = await startWorld();
    const { slack, bot } = world;
    slack.switches.notInChannel.add('C1');
    slack.switches.joinable.add('C1');
    await bot.sender.command('a fox in a channel I am not in');
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');
    expect(slack.callsTo('conversations.join').map((c) => c.args['channel'])).toEqual(['C1']);
    const uploads = [...slack.uploads.values()];
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.completed).toMatchObject({ channel_id: 'C1', thread_ts: job.destination.statusMessageId });
    expect(linkPosts(world)).toHaveLength(0);
  });

  it('says to invite the bot when it cannot join, and posts a link instead', async () => {
    world = await startWorld();
    const { slack, bot } = world;
    slack.switches.notInChannel.add('C1');
    await bot.sender.command('a fox in a private channel');
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 10_000, 'done');
    const [link] = linkPosts(world);
    expect(link!.args['thread_ts']).toBe(job.destination.statusMessageId);
    expect(String(link!.args['text'])).toContain('/invite @seedance');
    expect(String(link!.args['text'])).toContain(world.oxen.resultsUrl);
    expect([...slack.uploads.values()].some((u) => u.completed)).toBe(false);
    // Not a member cannot change by trying again: one attempt, then the link.
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
  });

  it('answers privately when even the status message cannot be posted, and spends nothing', async () => {
    world = await startWorld({ channel: 'G1' });
    const { slack, oxen, bot } = world;
    slack.switches.postRefused.add('G1');
    const ack = await bot.sender.command('a fox in a private channel');
    expect(ack.status).toBe(200);
    await eventually(() => slack.responses.length === 1, 5_000, 'the private answer');
    const text = String(slack.responses[0]!.body['text']);
    expect(text).toContain('not a member of this channel');
    expect(text).toContain('/invite @seedance');
    expect(text).toContain('Nothing was spent');
    expect(oxen.requestsTo('enqueue')).toHaveLength(0);
  });
});

describe('missing scopes and rate limits', () => {
  it('names the missing scope in the message that replaces the upload', async () => {
    world = await startWorld();
    const { slack, bot } = world;
    slack.switches.missingScope.set('files.getUploadURLExternal', 'files:write');
    await bot.sender.command('a fox without files:write');
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 10_000, 'done');
    const [link] = linkPosts(world);
    expect(String(link!.args['text'])).toContain('missing the `files:write` scope');
    expect(slack.callsTo('files.getUploadURLExternal')).toHaveLength(1);
  });

  it('waits out rate limits on status edits and still writes the final state', async () => {
    world = await startWorld();
    const { slack, bot } = world;
    slack.switches.rateLimit.set('chat.update', 3);
    await bot.sender.command('a fox in a busy workspace');
    const job = await onlyJob(bot.core);
    await eventually(async () => (await stateOf(bot.core, job.id)) === 'done', 8_000, 'done');
    await eventually(() => /Done/.test(slack.message('C1', job.destination.statusMessageId!)!.text ?? ''), 5_000, 'the final edit');
    expect(slack.switches.rateLimit.get('chat.update')).toBe(0);
  });
});

describe('the external upload flow', () => {
  it('spools a video of unknown length, then sends it with its length, into the thread', async () => {
    lone = await startFakeSlack();
    const client = new webApi.WebClient(lone.botToken, { slackApiUrl: lone.url });
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    const chunks = Array.from({ length: 50 }, (_, i) => bytes.subarray(Math.floor((i * bytes.length) / 50), Math.floor(((i + 1) * bytes.length) / 50)));
    const fileId = await uploadIntoThread(client, {
      channel: 'C1',
      threadTs: '1700000001.000001',
      fileName: 'seedance-abc.mp4',
      title: 'seedance-abc.mp4',
      contentType: 'video/mp4',
      body: Readable.from(chunks),
      comment: 'done',
    });
    const upload = lone.uploads.get(fileId)!;
    expect(upload.length).toBe(bytes.length);
    expect(upload.bytes!.equals(bytes)).toBe(true);
    expect(upload.headers!['content-length']).toBe(String(bytes.length));
    expect(upload.completed).toEqual({ channel_id: 'C1', thread_ts: '1700000001.000001', initial_comment: 'done', title: 'seedance-abc.mp4' });
    expect(lone.callsTo('files.getUploadURLExternal')[0]!.args).toMatchObject({ filename: 'seedance-abc.mp4', length: String(bytes.length) });
  });
});
