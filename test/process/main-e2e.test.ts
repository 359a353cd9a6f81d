/**
 * `npm start` end to end: the real entry point as its own OS process, started the way `npm start`
 * starts it (package.json's start script: node on the compiled dist/main.js, built by vitest's
 * global setup as the `prestart` step builds it; test/helpers/npm-start.ts), configured only through its
 * environment, with Discord, Slack and Oxen all loopback fakes run by this test process. One
 * `/video` from each platform goes all the way to the exact video in its thread; /readyz,
 * /metrics and the JSON log lines are checked on the way; SIGTERM ends it cleanly.
 *
 * The working directory is an empty temporary directory (main.ts reads ./.env from it: a
 * developer's own .env must not change the outcome), the SQLite store lives in DATA_DIR inside it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slashCommand, startFakeDiscord, type FakeDiscord, type FakeUser } from '../fakes/discord/index.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { SlackSender, startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually } from '../helpers/harness.js';
import { npmStart, npmStartArgs } from '../helpers/npm-start.js';

const VIDEO = readFileSync(new URL('../fixtures/media/clip3s.mp4', import.meta.url));

// Distinctive secrets: none of them may ever appear in the bot's output.
const OXEN_KEY = 'e2e-oxen-key-Qm7uZr2vXk9pLs4w';
const DISCORD_TOKEN = 'MTAwMDAwMDAwMDAwMDAwMDAx.E2eTok.e2e-discord-token-Hn3bYc8tWq5jRf1z';
const SLACK_TOKEN = 'xoxb-e2e-slack-token-Vd6gKs0mPa2eTy7u';
const SIGNING_SECRET = 'e2e-signing-secret-Lx4nBq9cWz3hJu8r';
const SECRETS = { OXEN_API_KEY: OXEN_KEY, DISCORD_TOKEN, SLACK_BOT_TOKEN: SLACK_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET };

const ANN: FakeUser = { id: '400000000000000001', username: 'ann' };

interface LogLine {
  level: number | string;
  event: string;
  job?: string;
  [key: string]: unknown;
}

/** A free loopback port: the bot is given it in PORT (PORT=0 would leave the test guessing). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A GET on the bot, or undefined when nothing answers. */
async function get(url: string): Promise<{ status: number; text: string } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, text: await res.text() };
  } catch {
    return undefined;
  }
}

let oxen: FakeOxen;
let discord: FakeDiscord;
let slack: FakeSlack;
let dir: string;
let child: ChildProcess;
let base: string;
let stdout = '';
let stderr = '';
let exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
const times: string[] = [];

const lines = (): LogLine[] =>
  stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        return JSON.parse(l) as LogLine;
      } catch {
        throw new Error(`a stdout line is not JSON: ${l}`);
      }
    });
const output = () => `--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}`;

beforeAll(async () => {
  oxen = await startFakeOxen({ apiKey: OXEN_KEY, timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  discord = await startFakeDiscord({ token: DISCORD_TOKEN });
  slack = await startFakeSlack({ botToken: SLACK_TOKEN });
  dir = mkdtempSync(join(tmpdir(), 'seedance-e2e-'));
  const cwd = join(dir, 'cwd');
  mkdirSync(cwd);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const began = Date.now();
  child = spawn(process.execPath, npmStartArgs(), {
    cwd,
    // Only what is given: nothing from the developer's environment leaks in.
    env: {
      PATH: process.env['PATH'] ?? '',
      NO_PROXY: '*',
      ...npmStart().env,
      ...SECRETS,
      OXEN_BASE_URL: oxen.url,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.url,
      SLACK_API_URL: slack.url,
      PORT: String(port),
      PUBLIC_BASE_URL: base,
      DATA_DIR: join(dir, 'data'),
      LOG_LEVEL: 'debug',
      SHUTDOWN_GRACE_SECONDS: '2',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));

  // /readyz: the store, the Discord gateway, Slack and the Oxen stream, each named when not ready.
  let last: { status: number; text: string } | undefined;
  // Generous: a full suite beside FFmpeg conversions on a 2-core machine slows everything down.
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && child.exitCode === null) {
    last = await get(`${base}/readyz`);
    if (last?.status === 200) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (last?.status !== 200) {
    throw new Error(`the bot never became ready; last /readyz: ${last ? `${last.status} ${last.text}` : 'no answer'} (exit code ${child.exitCode})\n${output()}`);
  }
  const ready = JSON.parse(last.text) as { status: string; checks: Record<string, { ok: boolean }> };
  expect(ready.status).toBe('ready');
  expect(Object.keys(ready.checks).sort()).toEqual(['discord', 'lifecycle', 'oxen_stream', 'slack', 'store'].sort());
  times.push(`ready ${Date.now() - began} ms after spawn`);
}, 40_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await oxen?.close();
  await discord?.close();
  await slack?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  console.log(`main.ts end to end: ${times.join('; ')}`);
});

describe('npm start (src/main.ts as a process) against fake Discord, Slack and Oxen', () => {
  let discordJob = '';
  let slackJob = '';
  let discordStatusId = '';
  let slackStatusTs = '';

  it('Discord: /video defers, opens a status message and thread with the bot token, uploads the exact result', async () => {
    const began = Date.now();
    const payload = slashCommand(discord.context(ANN), 'video', [{ name: 'prompt', type: 3, value: 'a red fox in snow' }]);
    await discord.dispatchInteraction(payload);

    // The defer: an ephemeral deferred reply.
    await eventually(() => discord.callbacks.has(payload.id), 5_000, 'the defer');
    expect(discord.callbacks.get(payload.id)).toMatchObject({ type: 5, flags: 64 });
    const answer = await discord.waitForCall((c) => c.route === 'webhookEditOriginal' && c.path.includes(payload.token), 8_000, 'the answer');
    expect(String(answer.json?.content)).toMatch(/^Started job `[a-z2-9]{6}`/);
    discordJob = /`([a-z2-9]{6})`/.exec(String(answer.json.content))![1]!;

    // The status message in the channel and the thread on it, with the bot token.
    const status = await discord.waitForCall((c) => c.route === 'createMessage' && c.path === `/channels/${discord.channelId}/messages` && c.status === 200, 5_000, 'the status message');
    expect(status.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    const thread = await discord.waitForCall((c) => c.route === 'startThread' && c.status < 300, 5_000, 'the thread');
    expect(thread.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    const threadId = /\/messages\/(\d+)\/threads$/.exec(thread.path)![1]!;
    expect(discord.threads.get(threadId)?.parent_id).toBe(discord.channelId);
    // The thread is opened on the bot's status message (a thread's id is its message's).
    expect(discord.messages.get(threadId)?.author.id).toBe(discord.bot.id);
    discordStatusId = threadId;

    // The video in the thread: exactly the bytes the fake Oxen produced.
    const upload = await discord.waitForCall((c) => c.route === 'createMessage' && c.files.length > 0 && c.path === `/channels/${threadId}/messages`, 10_000, 'the upload');
    expect(upload.authorization).toBe(`Bot ${DISCORD_TOKEN}`);
    expect(upload.files).toHaveLength(1);
    expect(upload.files[0]!.bytes.equals(VIDEO)).toBe(true);
    expect(upload.files[0]!.name).toBe(`seedance-${discordJob}.mp4`);
    expect(discord.calls.filter((c) => c.files.length > 0)).toHaveLength(1);
    times.push(`discord video uploaded ${upload.at - began} ms after the interaction`);
  });

  it('Slack: a signed /video is acked, a status message posted, and the exact result uploaded into its thread', async () => {
    const began = Date.now();
    const sender = new SlackSender(`${base}/slack/events`, SIGNING_SECRET, { teamId: slack.teamId, channel: 'C1', user: 'U1', responseUrl: () => slack.responseUrl() });
    const ack = await sender.command('a fox --duration 5');
    expect(ack.status).toBe(200);
    expect(ack.body).toBe('');
    times.push(`slack ack ${Math.round(ack.ms)} ms`);

    await eventually(() => slack.callsTo('chat.postMessage').length > 0, 5_000, 'the status message');
    const [post] = slack.callsTo('chat.postMessage');
    expect(post!.args).toMatchObject({ channel: 'C1' });
    expect(post!.args['thread_ts']).toBeUndefined();
    expect(post!.authorization).toBe(`Bearer ${SLACK_TOKEN}`);
    const status = slack.messages.find((m) => m.channel === 'C1' && !m.thread_ts)!;
    expect(status).toBeDefined();
    slackStatusTs = status.ts;

    await eventually(() => [...slack.uploads.values()].some((u) => u.completed), 10_000, 'the completed upload');
    const uploads = [...slack.uploads.values()];
    expect(uploads).toHaveLength(1);
    expect(uploads[0]!.bytes!.equals(VIDEO)).toBe(true);
    slackJob = /^seedance-([a-z2-9]{6})\.mp4$/.exec(uploads[0]!.filename)?.[1] ?? '';
    expect(slackJob, uploads[0]!.filename).toMatch(/^[a-z2-9]{6}$/);
    expect(slackJob).not.toBe(discordJob);
    // Into the thread of the status message, which is this job's.
    expect(uploads[0]!.completed).toMatchObject({ channel_id: 'C1', thread_ts: status.ts });
    expect(status.history.map((h) => h.text ?? '').join('\n')).toContain(slackJob);
    expect(slack.calls.every((c) => c.authorization === `Bearer ${SLACK_TOKEN}`)).toBe(true);
    times.push(`slack video uploaded ${Date.now() - began} ms after the command`);
  });

  it('/metrics counts both uploads and both jobs done', async () => {
    // The engine reports the delivery once the upload is recorded: wait for the counter, not a sleep.
    let text = '';
    await eventually(async () => {
      text = (await get(`${base}/metrics`))?.text ?? '';
      return /^seedance_uploads_total\{outcome="uploaded"\} 2$/m.test(text) && /^seedance_jobs_ended_total\{state="done"\} 2$/m.test(text);
    }, 8_000, 'the metrics');
    expect(text).toMatch(/^seedance_uploads_total\{outcome="uploaded"\} 2$/m);
    expect(text).toMatch(/^seedance_jobs_ended_total\{state="done"\} 2$/m);
    expect(text).not.toMatch(/^seedance_uploads_total\{outcome="(failed|link|too_big)"\} [1-9]/m);
    expect(text).toMatch(/^seedance_oxen_requests_total\{route="[^"]+",status="200"\} \d+$/m);
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  });

  it('logs JSON lines only, no secret anywhere, and every line about a job names it', async () => {
    const all = lines();
    expect(all.length).toBeGreaterThan(5);
    for (const [name, secret] of Object.entries(SECRETS)) {
      expect(stdout.includes(secret), `${name} appears in stdout`).toBe(false);
      expect(stderr.includes(secret), `${name} appears in stderr`).toBe(false);
    }
    const events = all.map((l) => l.event);
    expect(events).toEqual(expect.arrayContaining(['http.listening', 'engine.started', 'platform.started', 'bot.started']));
    expect(all.filter((l) => l.event === 'platform.started').map((l) => l.platform).sort()).toEqual(['discord', 'slack']);
    // A clean run: nothing at warn or above.
    expect(all.filter((l) => ['warn', 'error', 'fatal'].includes(String(l.level))), output()).toEqual([]);

    // Every line of the job engine's (job.*) carries the job id; each job has its story.
    const jobLines = all.filter((l) => l.event.startsWith('job.'));
    for (const line of jobLines) expect(line.job, JSON.stringify(line)).toMatch(/^[a-z2-9]{6}$/);
    for (const [id, platform] of [[discordJob, 'discord'], [slackJob, 'slack']] as const) {
      const mine = jobLines.filter((l) => l.job === id);
      expect(mine.find((l) => l.event === 'job.delivery'), `job.delivery for ${id}`).toMatchObject({ outcome: 'uploaded' });
      expect(mine.find((l) => l.event === 'job.ended'), `job.ended for ${id}`).toMatchObject({ state: 'done', platform });
    }
    // Any other line of the bot's own that mentions a job id carries it as a field (`job`, or
    // `jobId` on slack.job_submitted). Bolt's own debug lines (slack.bolt, passed through) echo
    // Web API request bodies, which contain job ids as text: they are not the bot's job lines.
    for (const line of all.filter((l) => l.event !== 'slack.bolt')) {
      const text = JSON.stringify({ ...line, job: undefined, jobId: undefined });
      for (const id of [discordJob, slackJob]) {
        if (new RegExp(`\\b${id}\\b`).test(text)) expect(line.job ?? line['jobId'], `a line mentions ${id} without its id: ${JSON.stringify(line)}`).toBe(id);
      }
    }
    const submitted = all.find((l) => l.event === 'slack.job_submitted');
    expect(submitted?.job ?? submitted?.['jobId']).toBe(slackJob);
  });

  it('SIGTERM: exits 0 within seconds, and /healthz stops answering', async () => {
    expect((await get(`${base}/healthz`))?.status).toBe(200);
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const exit = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 8_000))]);
    expect(exit, `still running 8 s after SIGTERM\n${output()}`).toBeDefined();
    expect(exit!.code, output()).toBe(0);
    expect(exit!.signal).toBeNull();
    expect(exit!.at - signalledAt).toBeLessThan(5_000);
    times.push(`exited ${exit!.at - signalledAt} ms after SIGTERM`);
    expect(await get(`${base}/healthz`)).toBeUndefined();
    // Terminal status edits land before the exit at the latest (the adapters drain their queues).
    expect(discord.messages.get(discordStatusId)?.content).toContain('Done');
    expect(slack.message('C1', slackStatusTs)?.text).toMatch(/Done/);
    expect(lines().map((l) => l.event)).toEqual(expect.arrayContaining(['shutdown.signal', 'shutdown.begin', 'shutdown.done']));
    // The store was in DATA_DIR, and nothing was written to the working directory.
    expect(readdirSync(join(dir, 'data')).length).toBeGreaterThan(0);
    expect(readdirSync(join(dir, 'cwd'))).toEqual([]);
    expect(stderr, output()).toBe('');
  });
});
