/**
 * Two replicas, one job: two real bot processes (test/process/replica-process.ts: the real app with
 * the real discord.js and Bolt adapters) share the real Redis (under this test's own key prefix,
 * deleted after), one fake Discord, one fake Slack and one fake Oxen, as compose.yaml runs them.
 *
 * Discord delivers every gateway event to every session of the bot (the fake gateway does too:
 * both replicas get each MESSAGE_CREATE and INTERACTION_CREATE). Slack retries an event it thinks
 * was lost, and a request may be replayed to the other replica. Whatever reaches both, exactly one
 * job is enqueued at Oxen, one status message posted, one video delivered, and an interaction is
 * acknowledged once: the replica that loses the claim does not answer at all.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeMetadata } from '../../src/slack/modal.js';
import { ACTION_RETRY, MAKE_VIDEO_MODAL } from '../../src/slack/requirements.js';
import { apiUser, slashCommand, startFakeDiscord, type FakeDiscord, type FakeUser } from '../fakes/discord/index.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { appMention, blockAction, viewSubmission } from '../fakes/slack/payloads.js';
import { SlackSender, startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { killAllReplicas, startReplica, type LogLine, type Replica } from './replicas.js';

const OXEN_KEY = 'replicas-oxen-key-Tq8wLm3zXc5v';
const SLACK_TOKEN = 'xoxb-replicas-slack-token-Pw4nYt7k';
const SIGNING_SECRET = 'replicas-signing-secret-Hd2sQe9r';
/** After the one job was delivered: time for a second job to show up if a replica were to start one. */
const SETTLE_MS = 1_500;

const ANN: FakeUser = { id: '400000000000000001', username: 'ann' };
const BOB: FakeUser = { id: '400000000000000002', username: 'bob' };

let oxen: FakeOxen;
let discord: FakeDiscord;
let slack: FakeSlack;
let prefix: string;
let dir: string;
let replicas: Replica[] = [];
/** One signed sender per replica, to its own /slack/events. */
let senders: SlackSender[] = [];

const enqueues = () => oxen.requestsTo('enqueue').length;
/** The log lines of every replica with this event, with the replica's name. */
const logged = (event: string): LogLine[] => replicas.flatMap((r) => r.lines().filter((l) => l.event === event).map((l) => ({ ...l, replica: r.name })));
const outputs = () => replicas.map((r) => r.output()).join('\n');

beforeAll(async () => {
  oxen = await startFakeOxen({ apiKey: OXEN_KEY, timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  discord = await startFakeDiscord();
  slack = await startFakeSlack({ botToken: SLACK_TOKEN });
  prefix = `test-replicas-${randomUUID()}`;
  dir = mkdtempSync(join(tmpdir(), 'seedance-replicas-'));
  const env = (name: string) => ({
    OXEN_API_KEY: OXEN_KEY,
    OXEN_BASE_URL: oxen.url,
    DISCORD_TOKEN: discord.token,
    DISCORD_APPLICATION_ID: discord.applicationId,
    DISCORD_API_URL: discord.url,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    STORE_URL: REDIS_URL,
    STORE_PREFIX: prefix,
    DATA_DIR: join(dir, name),
    MAX_JOBS_PER_USER: '10',
    SHUTDOWN_GRACE_SECONDS: '2',
  });
  replicas = await Promise.all(['replica-1', 'replica-2'].map((name) => startReplica(name, env(name))));
  senders = replicas.map((r) => new SlackSender(`${r.base}/slack/events`, SIGNING_SECRET, { teamId: slack.teamId, channel: 'C1', user: 'U1', responseUrl: () => slack.responseUrl() }));
  // Both replicas hold a gateway session with the same bot token, as two compose replicas do.
  await eventually(() => discord.gateway.identifiedSessions() === 2, 10_000, 'two gateway sessions');
}, 60_000);

afterAll(async () => {
  await killAllReplicas();
  await oxen?.close();
  await discord?.close();
  await slack?.close();
  if (prefix) await dropRedisPrefix(prefix);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Waits until `count` videos were uploaded to Discord since `from` (an index into discord.calls). */
async function discordUploads(from: number, count: number) {
  const uploads = () => discord.calls.slice(from).filter((c) => c.route === 'createMessage' && c.files.length > 0 && c.status === 200);
  await eventually(() => uploads().length >= count, 15_000, `${count} Discord upload(s)\n${outputs()}`);
  return uploads();
}

/** Completed Slack uploads, by file name. */
const slackUploads = () => [...slack.uploads.values()].filter((u) => u.completed);

describe('two replicas on one Redis, one Discord bot, one Slack app', () => {
  it('a Discord mention that both gateway sessions receive becomes one job and one status message', async () => {
    const from = discord.calls.length;
    const before = enqueues();
    const message = await discord.postUserMessage(ANN, { content: `<@${discord.bot.id}> a red fox in fresh snow --duration 5`, mentions: [apiUser(discord.bot)] });

    await discordUploads(from, 1);
    await sleep(SETTLE_MS);
    expect(enqueues() - before, outputs()).toBe(1);
    const statusPosts = discord.calls.slice(from).filter((c) => c.route === 'createMessage' && c.path === `/channels/${discord.channelId}/messages` && c.status === 200);
    expect(statusPosts).toHaveLength(1);
    expect(discord.calls.slice(from).filter((c) => c.route === 'createMessage' && c.files.length > 0)).toHaveLength(1);
    // The other replica saw it too, and let it be.
    expect(logged('discord.claimed_elsewhere').filter((l) => l['messageId'] === message.id)).toHaveLength(1);
  });

  it('a /video interaction that both sessions receive is acknowledged once and becomes one job', async () => {
    const from = discord.calls.length;
    const before = enqueues();
    const payload = slashCommand(discord.context(BOB), 'video', [{ name: 'prompt', type: 3, value: 'a kite over the sea' }]);
    await discord.dispatchInteraction(payload);

    const answer = await discord.waitForCall((c) => c.route === 'webhookEditOriginal' && c.path.includes(payload.token), 10_000, 'the answer');
    expect(String(answer.json?.content)).toMatch(/^Started job `[a-z2-9]{6}`/);
    await discordUploads(from, 1);
    await sleep(SETTLE_MS);
    // One acknowledgement was attempted at all: the losing replica did not try (and fail) to answer.
    expect(discord.calls.filter((c) => c.route === 'interactionCallback' && c.path.includes(payload.id)).map((c) => c.status)).toEqual([204]);
    expect(discord.callbacks.get(payload.id)).toMatchObject({ type: 5 });
    expect(enqueues() - before, outputs()).toBe(1);
    expect(discord.calls.slice(from).filter((c) => c.route === 'webhookEditOriginal')).toHaveLength(1);
    expect(logged('discord.claimed_elsewhere').filter((l) => l['interactionId'] === payload.id)).toHaveLength(1);
  });

  it('a Slack event to one replica and its retry (X-Slack-Retry-Num) to the other become one job', async () => {
    const before = enqueues();
    const posts = slack.callsTo('chat.postMessage').length;
    const uploads = slackUploads().length;
    const event = appMention({ channel: 'C1', user: 'U2', text: `<@${slack.botUserId}> a heron takes off --duration 5`, ts: '1764680000.000100' });
    const eventId = `Ev${randomUUID().slice(0, 8)}`;

    const first = await senders[0]!.event(event, { eventId });
    const retry = await senders[1]!.event(event, { eventId, headers: { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' } });
    // Both are acknowledged (Slack must not retry again); only one is handled.
    expect([first.status, retry.status]).toEqual([200, 200]);

    await eventually(() => slackUploads().length > uploads, 15_000, `the Slack upload\n${outputs()}`);
    await sleep(SETTLE_MS);
    expect(enqueues() - before, outputs()).toBe(1);
    expect(slackUploads()).toHaveLength(uploads + 1);
    expect(slack.callsTo('chat.postMessage').slice(posts).filter((c) => c.args['channel'] === 'C1' && c.args['thread_ts'] === undefined)).toHaveLength(1);
    expect(logged('slack.already_claimed').filter((l) => l['id'] === eventId)).toMatchObject([{ replica: 'replica-2', kind: 'slack:event', retry: 1 }]);
  });

  it('a Slack slash command, a Retry button and a form each replayed to the other replica become one job each', async () => {
    const before = enqueues();
    const uploads = slackUploads().length;

    // The command, the same signed request on both replicas at once.
    const fields = { user_id: 'U3', trigger_id: `trigger-${randomUUID()}` };
    const acks = await Promise.all(senders.map((s) => s.command('a whale breaches at dawn --duration 5', fields)));
    expect(acks.map((a) => [a.status, a.body])).toEqual([[200, ''], [200, '']]);
    await eventually(() => slackUploads().length > uploads, 15_000, `the command's video\n${outputs()}`);
    await sleep(SETTLE_MS);
    expect(enqueues() - before, outputs()).toBe(1);
    const jobId = /^seedance-([a-z2-9]{6})\.mp4$/.exec(slackUploads().at(-1)!.filename)![1]!;
    const status = slack.messages.find((m) => m.channel === 'C1' && !m.thread_ts && m.history.some((h) => (h.text ?? '').includes(jobId)))!;
    expect(status).toBeDefined();

    // Retry on its status message, the click delivered to both.
    const retry = blockAction({ user: 'U3', channel: 'C1', messageTs: status.ts, actionId: ACTION_RETRY, value: jobId, responseUrl: slack.responseUrl() });
    const retryAcks = await Promise.all(senders.map((s) => s.interactive(retry)));
    expect(retryAcks.map((a) => a.status)).toEqual([200, 200]);
    await eventually(() => slackUploads().length > uploads + 1, 15_000, `the retry's video\n${outputs()}`);

    // The "Make video" form, its submission delivered to both.
    const form = viewSubmission({
      user: 'U4',
      callbackId: MAKE_VIDEO_MODAL,
      privateMetadata: encodeMetadata({ channel: 'C1', files: [] }),
      values: { prompt: { value: { type: 'plain_text_input', value: 'a lighthouse in a storm --duration 5' } } },
    });
    const formAcks = await Promise.all(senders.map((s) => s.interactive(form)));
    expect(formAcks.map((a) => a.status)).toEqual([200, 200]);
    await eventually(() => slackUploads().length > uploads + 2, 15_000, `the form's video\n${outputs()}`);

    await sleep(SETTLE_MS);
    expect(enqueues() - before, outputs()).toBe(3);
    expect(slackUploads()).toHaveLength(uploads + 3);
    const lost = logged('slack.already_claimed').map((l) => l['kind']);
    expect(lost.filter((k) => k === 'slack:command')).toHaveLength(1);
    expect(lost.filter((k) => k === 'slack:action')).toHaveLength(1);
    expect(lost.filter((k) => k === 'slack:view')).toHaveLength(1);
  });

  it('wrote its claims under names that say what they claim, each with an expiry', async () => {
    const { createClient } = await import('@keyv/redis');
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      const keys: string[] = [];
      // Commands' claims; `claim:job:id:*` (a new job's id, held while it is admitted) is the service's.
      for await (const batch of client.scanIterator({ MATCH: `${prefix}:claim:*`, COUNT: 500 })) keys.push(...batch.filter((k) => !k.startsWith(`${prefix}:claim:job:`)));
      const kinds = new Set(keys.map((k) => k.slice(`${prefix}:claim:`.length).split(':').slice(0, 2).join(':')));
      expect([...kinds].sort()).toEqual(['discord:interaction', 'discord:message', 'slack:action', 'slack:command', 'slack:event', 'slack:view']);
      for (const key of keys) {
        const ttl = await client.pTTL(key);
        expect(ttl, key).toBeGreaterThan(60 * 60_000);
        expect(ttl, key).toBeLessThanOrEqual(6 * 60 * 60_000);
      }
    } finally {
      await client.close();
    }
  });
});
