/**
 * Slack Socket Mode with two replicas: two real bot processes (test/process/replica-process.ts:
 * the real app with the real Bolt adapter, configured with SLACK_APP_TOKEN and no signing secret)
 * share the real Redis (under this test's own key prefix, deleted after), the fake Slack (Web API
 * and Socket Mode endpoint) and the fake Oxen. Each replica opens its own socket; the fake spreads
 * envelopes over them as Slack does. A dropped socket makes that replica's /readyz 503 until it
 * has reconnected; an event whose ack was lost when its replica died is delivered again to the
 * other replica's socket and is still one job.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { appMention, startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { killAllReplicas, startReplica, type LogLine, type Replica } from './replicas.js';

const OXEN_KEY = 'socket-oxen-key-Vb6nLq2wRt8y';
const SLACK_TOKEN = 'xoxb-socket-slack-token-Jm3kXp9s';
const APP_TOKEN = 'xapp-1-A1-2222-socketAppToken-Qz7r';
/** After the one job was delivered: time for a second job to show up if a replica were to start one. */
const SETTLE_MS = 1_500;

let oxen: FakeOxen;
let slack: FakeSlack;
let prefix: string;
let dir: string;
let replicas: Replica[] = [];

const enqueues = () => oxen.requestsTo('enqueue').length;
const logged = (event: string): LogLine[] => replicas.flatMap((r) => r.lines().filter((l) => l.event === event).map((l) => ({ ...l, replica: r.name })));
const outputs = () => replicas.map((r) => r.output()).join('\n');
const readyz = async (replica: Replica) => {
  const res = await fetch(`${replica.base}/readyz`);
  return { status: res.status, body: (await res.json()) as { checks: Record<string, { ok: boolean }> } };
};

beforeAll(async () => {
  oxen = await startFakeOxen({ apiKey: OXEN_KEY, timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  slack = await startFakeSlack({ botToken: SLACK_TOKEN, appToken: APP_TOKEN });
  prefix = `test-socket-mode-${randomUUID()}`;
  dir = mkdtempSync(join(tmpdir(), 'seedance-socket-'));
  const env = (name: string) => ({
    OXEN_API_KEY: OXEN_KEY,
    OXEN_BASE_URL: oxen.url,
    SLACK_BOT_TOKEN: SLACK_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.url,
    STORE_URL: REDIS_URL,
    STORE_PREFIX: prefix,
    DATA_DIR: join(dir, name),
    MAX_JOBS_PER_USER: '10',
    SHUTDOWN_GRACE_SECONDS: '2',
  });
  // One after the other, so socket 1 is replica-1's and socket 2 replica-2's.
  for (const name of ['replica-1', 'replica-2']) {
    replicas.push(await startReplica(name, env(name)));
    await slack.socketMode.waitForLive(replicas.length, 15_000);
  }
}, 90_000);

afterAll(async () => {
  await killAllReplicas();
  await oxen?.close();
  await slack?.close();
  if (prefix) await dropRedisPrefix(prefix);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('Socket Mode with two replicas on one Redis', () => {
  it('each replica opens its own socket with the app-level token, and is ready', async () => {
    expect(slack.socketMode.opens.map((o) => [o.authorization, o.ok])).toEqual([
      [`Bearer ${APP_TOKEN}`, true],
      [`Bearer ${APP_TOKEN}`, true],
    ]);
    expect(slack.socketMode.live().map((c) => c.id)).toEqual([1, 2]);
    for (const replica of replicas) expect(await readyz(replica)).toMatchObject({ status: 200, body: { checks: { slack: { ok: true } } } });
  });

  it('/video on either socket: acknowledged over it, one job each, delivered into its thread', async () => {
    const before = enqueues();
    const uploads = slack.uploads.size;
    const first = await slack.socketMode.command('a lighthouse in a storm --fast', { user_id: 'U5' }, { connection: 1 });
    const second = await slack.socketMode.command('a lantern on a lake --fast', { user_id: 'U6' }, { connection: 2 });
    await slack.socketMode.ackOf(first, 5_000);
    await slack.socketMode.ackOf(second, 5_000);
    await eventually(() => [...slack.uploads.values()].filter((u) => u.completed).length === uploads + 2, 20_000, `two videos\n${outputs()}`);
    await sleep(SETTLE_MS);
    expect(enqueues() - before, outputs()).toBe(2);
    expect(slack.socketMode.acks.filter((a) => a.envelopeId === first.envelopeId || a.envelopeId === second.envelopeId).map((a) => a.connection).sort()).toEqual([1, 2]);
  });

  it('a dropped socket: that replica answers /readyz 503 until it has reconnected, then 200', async () => {
    const [one, two] = replicas;
    // Slack's API answers 503 for a while too, so the time without a socket can be seen.
    slack.socketMode.switches.openStatus = 503;
    slack.socketMode.drop(2);
    await eventually(async () => (await readyz(two!)).status === 503, 10_000, `503 on replica-2\n${outputs()}`);
    expect((await readyz(two!)).body.checks['slack']).toMatchObject({ ok: false });
    expect((await readyz(one!)).status).toBe(200);
    await eventually(() => slack.socketMode.opens.filter((o) => !o.ok).length >= 2, 15_000, 'two refused opens');
    expect((await readyz(two!)).status).toBe(503);
    delete slack.socketMode.switches.openStatus;
    await eventually(async () => (await readyz(two!)).status === 200, 40_000, `200 again on replica-2\n${outputs()}`);
    expect(slack.socketMode.live().map((c) => c.id)).toEqual([1, 3]);
    expect(logged('slack.socket_reconnected').map((l) => l['replica'])).toEqual(['replica-2']);
  });

  it('an event whose ack was lost when its replica died is delivered to the other replica and is still one job', async () => {
    const before = enqueues();
    const statusPosts = () => slack.callsTo('chat.postMessage').filter((c) => !c.args['thread_ts']).length;
    const postsBefore = statusPosts();
    const text = `<@${slack.botUserId}> a heron takes off at dawn --fast`;
    const message = slack.addMessage({ channel: 'C1', user: 'U7', text });
    // replica-1 acknowledges, but the ack is lost; then replica-1 dies (kill -9) with it in flight.
    slack.socketMode.switches.ackTimeoutMs = 60_000;
    slack.socketMode.switches.loseAllAcks = true;
    const first = await slack.socketMode.event(appMention({ channel: 'C1', user: 'U7', text, ts: message.ts }), { connection: 1 });
    await eventually(() => enqueues() === before + 1, 15_000, `the job enqueued\n${outputs()}`);
    slack.socketMode.switches.loseAllAcks = false;
    await replicas[0]!.kill();

    await eventually(() => slack.socketMode.deliveries.filter((d) => d.payload['event_id'] === first.payload['event_id']).length === 2, 15_000, 'the redelivery');
    const again = slack.socketMode.deliveries.filter((d) => d.payload['event_id'] === first.payload['event_id'])[1]!;
    expect(again).toMatchObject({ retryAttempt: 1, connection: 3 });
    await slack.socketMode.ackOf(again, 5_000);
    await eventually(() => logged('slack.already_claimed').some((l) => l['replica'] === 'replica-2' && l['id'] === first.payload['event_id']), 10_000, `replica-2 let it be\n${outputs()}`);
    await sleep(SETTLE_MS);
    expect(enqueues() - before, outputs()).toBe(1);
    expect(statusPosts() - postsBefore).toBe(1);
  });
});
