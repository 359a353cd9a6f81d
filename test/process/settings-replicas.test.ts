/**
 * Settings shared by replicas and kept across restarts: real bot processes
 * (test/process/replica-process.ts: the real app with the real Bolt adapter) on the real Redis
 * (under this test's own key prefix, deleted after), one fake Slack and one fake Oxen. An admin's
 * change through one replica's form is what the other replica applies to the very next request;
 * after every replica is killed (-9) a new one still applies it.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { SlackSender, startFakeSlack, viewSubmission, type FakeSlack } from '../fakes/slack/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { killAllReplicas, startReplica, type Replica } from './replicas.js';

const OXEN_KEY = 'settings-replicas-oxen-key-Zk4p';
const SLACK_TOKEN = 'xoxb-settings-replicas-token-Wq7m';
const SIGNING_SECRET = 'settings-replicas-signing-secret-Rt5e';
const REFUSAL = 'This channel allows up to `720p` for the resolution (you asked for `1080p`); an admin can change it with `/video settings`.';

let oxen: FakeOxen;
let slack: FakeSlack;
let prefix: string;
let dir: string;

const env = (name: string) => ({
  OXEN_API_KEY: OXEN_KEY,
  OXEN_BASE_URL: oxen.url,
  SLACK_BOT_TOKEN: SLACK_TOKEN,
  SLACK_SIGNING_SECRET: SIGNING_SECRET,
  SLACK_API_URL: slack.url,
  STORE_URL: REDIS_URL,
  STORE_PREFIX: prefix,
  DATA_DIR: join(dir, name),
  MAX_JOBS_PER_USER: '10',
  SHUTDOWN_GRACE_SECONDS: '2',
});
const senderTo = (replica: Replica, user: string) =>
  new SlackSender(`${replica.base}/slack/events`, SIGNING_SECRET, { teamId: slack.teamId, channel: 'C1', user, responseUrl: () => slack.responseUrl() });
const answered = (text: string, from = 0) => slack.responses.slice(from).some((r) => String(r.body['text'] ?? '').includes(text));

beforeAll(async () => {
  oxen = await startFakeOxen({ apiKey: OXEN_KEY, timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  slack = await startFakeSlack({ botToken: SLACK_TOKEN });
  slack.users.set('U1', { is_owner: true });
  slack.users.set('U2', {});
  prefix = `test-settings-replicas-${randomUUID()}`;
  dir = mkdtempSync(join(tmpdir(), 'seedance-settings-replicas-'));
}, 30_000);

afterAll(async () => {
  await killAllReplicas();
  await oxen?.close();
  await slack?.close();
  if (prefix) await dropRedisPrefix(prefix);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('settings on Redis, with real bot processes', () => {
  it('a change through one replica is applied by the other at once, and survives killing them all', async () => {
    const [first, second] = await Promise.all(['replica-1', 'replica-2'].map((name) => startReplica(name, env(name))));
    const outputs = () => [first!, second!].map((r) => r.output()).join('\n');

    // Replica 2 has read (and cached) the channel's settings: nothing set, so 1080p is started.
    const member = senderTo(second!, 'U2');
    await member.command('a red fox --res 1080p');
    await eventually(() => oxen.requestsTo('enqueue').length === 1, 15_000, `the 1080p job before the change\n${outputs()}`);

    // The admin's form goes to replica 1...
    const saved = await senderTo(first!, 'U1').interactive(
      viewSubmission({
        user: 'U1',
        callbackId: 'video_settings',
        privateMetadata: JSON.stringify({ s: 'channel', c: 'C1' }),
        values: { max_resolution: { value: { type: 'plain_text_input', value: '720p' } }, default_duration: { value: { type: 'plain_text_input', value: '5' } } },
      }),
    );
    expect(JSON.parse(saved.body), outputs()).toMatchObject({ response_action: 'update' });

    // ...and the member's very next requests go to replica 2.
    await member.command('a red fox --res 1080p');
    await eventually(() => answered(REFUSAL), 15_000, `the refusal from replica 2\n${outputs()}`);
    await member.command('a red fox');
    await eventually(() => slack.messages.some((m) => JSON.stringify(m.blocks ?? []).includes("From this channel's settings: length `5 s`.")), 15_000, `the status with the channel's default\n${outputs()}`);
    await eventually(() => oxen.requestsTo('enqueue').length === 2, 15_000, `the job enqueued once\n${outputs()}`);
    expect(JSON.parse(String(oxen.requestsTo('enqueue')[1]!.body))).toMatchObject({ duration: 5 });

    await Promise.all([first!.kill(), second!.kill()]);
    const third = await startReplica('replica-3', env('replica-3'));
    const before = slack.responses.length;
    await senderTo(third, 'U2').command('a red fox --res 1080p');
    await eventually(() => answered(REFUSAL, before), 15_000, `the refusal after the restart\n${third.output()}`);
  }, 120_000);
});
