/**
 * Secrets never reach a log line or a person: jobs run through the real app while Oxen refuses
 * calls, echoes the key back, fails generations with the key in the reason, and the platform
 * throws errors carrying its token; every log line is then searched for every configured secret,
 * and so is every sentence a person would read about those jobs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { configSecrets, loadConfig } from '../../src/core/config.js';
import { describeFailure, describeProblems } from '../../src/core/messages.js';
import { startFakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { captureLog, startTestApp } from './helpers.js';

const API_KEY = 'sk-live-8c1f2e9a7b6d5c4e3f2a1b0c';
const DISCORD_TOKEN = 'MTIzNDU2Nzg5MDEyMzQ1Njc4.GabcDE.abcdefghijklmnopqrstuvwxyz0123456789AB';
const SLACK_BOT_TOKEN = 'xoxb-1111-2222-SECRETbotTOKEN';
const SLACK_SIGNING_SECRET = 'f00dfacecafe0123456789abcdef0123';
const SLACK_APP_TOKEN = 'xapp-1-A1111-2222-SECRETappTOKEN';
const STORE_PASSWORD = 'hunter2-store-pass';
const SECRETS = [API_KEY, DISCORD_TOKEN, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN, STORE_PASSWORD];

const ENV = {
  DISCORD_TOKEN,
  DISCORD_APPLICATION_ID: '123456789012345678',
  SLACK_BOT_TOKEN,
  SLACK_SIGNING_SECRET,
  SLACK_APP_TOKEN,
  // The app below gets an SQLite store of its own; the URL is here for its password.
  STORE_URL: `redis://default:${STORE_PASSWORD}@127.0.0.1:6379`,
};

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('redaction', () => {
  it('no configured secret appears in the logs or in what people are told, whatever fails', async () => {
    const fake = await startFakeOxen({ apiKey: API_KEY, timing: 'manual' });
    cleanups.push(() => fake.close());
    const env = { OXEN_API_KEY: API_KEY, OXEN_BASE_URL: fake.url, PUBLIC_BASE_URL: 'https://bot.example.com', ...ENV };
    const config = loadConfig(env);
    expect(configSecrets(config)).toEqual(expect.arrayContaining(SECRETS));
    const captured = captureLog(configSecrets(config));
    const { SqliteJobStore } = await import('../../src/core/jobs/store-sqlite.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'seedance-redact-'));
    const store = new SqliteJobStore(dir);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const t = await startTestApp({ fake, env: { ...ENV, DATA_DIR: dir }, log: captured.log, store });
    cleanups.push(() => t.stop());
    const said: string[] = [];
    let people = 0;
    const submit = async (prompt: string) => {
      const answer = await t.adapter.submit(prompt, [], `user-${++people}`);
      if (answer === 'restarting') throw new Error('restarting');
      if (!answer.ok) {
        said.push(describeProblems(answer.problems));
        return undefined;
      }
      return answer.value.job.id;
    };
    const ended = (id: string) => eventually(async () => ['done', 'failed', 'cancelled', 'timed_out'].includes((await t.app.store.get(id))?.state ?? ''), 5_000, `job ${id} ended`);

    // 1. Oxen refuses the enqueue and echoes the key and a token back.
    fake.failNext(1, { status: 400, body: { error: { type: 'invalid_params', title: 'Bad request', detail: `key ${API_KEY} with ${DISCORD_TOKEN} is not allowed` } } }, 'enqueue');
    const refused = await submit('refused by oxen');
    // 2. Oxen answers 401 quoting the Authorization header.
    fake.failNext(1, { status: 401, body: { error: `invalid Authorization: Bearer ${API_KEY}` } }, 'enqueue');
    const unauthorized = await submit('unauthorized');
    // 3. The generation fails at Oxen with the key in its reason.
    const failing = await submit('fails at oxen');
    for (const id of [refused, unauthorized]) await ended(id!);
    await eventually(() => fake.generations.size === 1, 3_000, 'the third enqueue');
    const [generation] = fake.generations.keys();
    fake.complete(generation!, { status: 'failed', error: `worker could not use ${API_KEY} (slack ${SLACK_BOT_TOKEN})` });
    await ended(failing!);
    // 4. The platform throws errors carrying its tokens while posting.
    t.adapter.port.beforeUpload = async () => {
      throw new Error(`upload to https://discord.com/api/webhooks/1/${DISCORD_TOKEN} failed; Authorization: Bot ${DISCORD_TOKEN}`);
    };
    const posted = await submit('the platform fails');
    await eventually(() => fake.generations.size === 2, 3_000, 'the fourth enqueue');
    const second = [...fake.generations.keys()][1]!;
    fake.complete(second);
    await ended(posted!);
    // 5. Someone logs the whole config, or a request's headers.
    captured.log.info('debug.config', { config });
    captured.log.child({ job: posted }).error('debug.request', { headers: { authorization: `Bearer ${API_KEY}`, 'x-slack-signature': SLACK_SIGNING_SECRET }, url: ENV.STORE_URL });
    captured.log.warn(`event text carrying ${SLACK_APP_TOKEN}`);

    // What a person reads about each job.
    for (const id of [refused, unauthorized, failing, posted]) {
      const job = await t.app.store.get(id!);
      if (job?.failure) said.push(describeFailure(job.failure));
    }
    expect(said.length).toBeGreaterThanOrEqual(3);
    expect(said.join('\n')).toMatch(/Oxen refused the request/); // the detail is shown, scrubbed
    const text = captured.text();
    const lines = captured.lines();
    // The failures really were logged (so the search below searched something).
    expect(lines.some((l) => l['event'] === 'job.error')).toBe(true);
    expect(text).toContain('[redacted]');
    for (const secret of SECRETS) {
      expect(text, `a log line holds ${secret.slice(0, 8)}…`).not.toContain(secret);
      expect(said.join('\n'), `a message holds ${secret.slice(0, 8)}…`).not.toContain(secret);
    }
    // One JSON object per line, and the job id on every line about a job.
    for (const line of lines) {
      expect(typeof line['event']).toBe('string');
      if (String(line['event']).startsWith('job.')) expect(line['job'], JSON.stringify(line)).toMatch(/^[a-z2-9]{6}$/);
    }
  });
});
