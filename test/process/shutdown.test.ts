/**
 * Graceful shutdown with real processes: the whole app (test/process/app-process.ts) receives
 * SIGTERM in the middle of a slow upload, and loses nothing. Either the upload finishes within
 * SHUTDOWN_GRACE_SECONDS and the job is done, or it is cut off and handed back (claims released
 * at once, not left to expire) and the next start delivers it exactly once. A second signal
 * exits at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../src/core/jobs/job.js';
import { SqliteJobStore } from '../../src/core/jobs/store-sqlite.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { startSink, type Sink } from './helpers.js';

const ENTRY = fileURLToPath(new URL('./app-process.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const VIDEO = readFileSync(new URL('../fixtures/media/clip3s.mp4', import.meta.url));

interface AppProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  events: () => string[];
}

const live = new Set<ChildProcess>();
let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  live.clear();
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function startApp(options: { name: string; fake: FakeOxen; sink: Sink; dataDir: string; env?: Record<string, string> }): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      NO_PROXY: '*',
      OXEN_API_KEY: options.fake.apiKey,
      OXEN_BASE_URL: options.fake.url,
      DATA_DIR: options.dataDir,
      PORT: '0',
      LOG_LEVEL: 'info',
      SINK_URL: options.sink.url,
      BOT_NAME: options.name,
      ...options.env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} not ready in 10 s:\n${out}`)), 10_000);
    const look = () => {
      const ready = /READY (\{.*\})\n/.exec(out);
      if (ready) {
        clearTimeout(timer);
        resolve((JSON.parse(ready[1]!) as { port: number }).port);
      }
    };
    child.stdout!.on('data', look);
    void exited.then(({ code }) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited (${code}) before ready:\n${out}`));
    });
  });
  const events = () =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => String((JSON.parse(l) as { event: string }).event));
  return { child, url: `http://127.0.0.1:${port}`, output: () => out, exited, events };
}

async function submit(app: AppProcess, prompt: string): Promise<string> {
  const res = await fetch(`${app.url}/test/submit`, { method: 'POST', body: JSON.stringify({ prompt }) });
  const answer = (await res.json()) as { id?: string };
  if (!answer.id) throw new Error(`not submitted: ${JSON.stringify(answer)}`);
  return answer.id;
}

/** The job as saved, read with the bot stopped (SQLite in DATA_DIR). */
async function saved(dataDir: string, id: string): Promise<JobRecord | undefined> {
  const store = new SqliteJobStore(dataDir);
  try {
    return await store.get(id);
  } finally {
    await store.close();
  }
}

async function setUp() {
  const fake = await startFakeOxen();
  const sink = await startSink();
  const dataDir = mkdtempSync(join(tmpdir(), 'seedance-shutdown-'));
  cleanups.push(() => fake.close(), () => sink.close(), () => rmSync(dataDir, { recursive: true, force: true }));
  return { fake, sink, dataDir };
}

const figures: string[] = [];
const figure = (line: string) => {
  figures.push(line);
  console.log(line);
};

describe('SIGTERM mid-upload (a real process)', () => {
  it('lets an upload that fits in the grace period finish, then exits 0; a restart posts nothing again', async () => {
    const { fake, sink, dataDir } = await setUp();
    const first = await startApp({ name: 'first', fake, sink, dataDir, env: { UPLOAD_MS: '1500', SHUTDOWN_GRACE_SECONDS: '10' } });
    const id = await submit(first, 'finishes during shutdown');
    await eventually(() => sink.uploads.length === 1, 20_000, 'the upload to start');
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    figure(`upload finished within the grace period: exited ${exit.at - signalledAt} ms after SIGTERM`);
    expect(exit.code, first.output()).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(8_000);
    expect(first.events()).toEqual(expect.arrayContaining(['shutdown.signal', 'shutdown.begin', 'shutdown.engine_stopped', 'shutdown.done']));

    expect(sink.posted()).toHaveLength(1);
    expect(sink.posted()[0]!.bytes.equals(VIDEO)).toBe(true);
    const job = await saved(dataDir, id);
    expect(job?.state).toBe('done');
    expect(job?.generations.map((g) => [g.delivery, g.deliveredAs])).toEqual([['delivered', 'upload']]);

    // The next start has nothing to deliver.
    const second = await startApp({ name: 'second', fake, sink, dataDir });
    await new Promise((r) => setTimeout(r, 500));
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(sink.uploads).toHaveLength(1);
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
  });

  it('hands back an upload that outlasts the grace period; the next start delivers it exactly once, without waiting for leases to expire', async () => {
    const { fake, sink, dataDir } = await setUp();
    // Leases far longer than the test: only a hand-back lets the next start deliver in time.
    const leases = { LEASE_TTL_MS: '60000', DELIVERY_LEASE_MS: '120000' };
    const first = await startApp({ name: 'first', fake, sink, dataDir, env: { UPLOAD_MS: '30000', SHUTDOWN_GRACE_SECONDS: '0.5', ...leases } });
    const id = await submit(first, 'handed back');
    await eventually(() => sink.uploads.length === 1, 20_000, 'the upload to start');
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const exit = await first.exited;
    figure(`upload handed back: exited ${exit.at - signalledAt} ms after SIGTERM (grace 500 ms)`);
    expect(exit.code, first.output()).toBe(0);
    expect(exit.at - signalledAt).toBeGreaterThanOrEqual(450);
    expect(exit.at - signalledAt).toBeLessThan(4_000);
    expect(first.events()).toContain('shutdown.done');
    expect(first.output()).toMatch(/"outcome":"handed_back"/);

    await eventually(() => sink.uploads[0]!.aborted, 2_000, 'the cut-off upload to close');
    expect(sink.posted()).toHaveLength(0);
    const job = await saved(dataDir, id);
    expect(job?.state).toBe('running');
    expect(job?.generations.map((g) => [g.status, g.delivery, g.deliveryFailures ?? 0])).toEqual([['succeeded', 'pending', 0]]); // not counted as a failure

    const restartedAt = Date.now();
    const second = await startApp({ name: 'second', fake, sink, dataDir, env: leases });
    await eventually(() => sink.posted().length === 1, 8_000, 'the redelivery').catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- second ---\n${second.output()}`);
    });
    figure(`handed-back upload redelivered ${Date.now() - restartedAt} ms after the restart began`);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(sink.posted()).toHaveLength(1);
    expect(sink.posted()[0]).toMatchObject({ bot: 'second', jobId: id });
    expect(sink.posted()[0]!.bytes.equals(VIDEO)).toBe(true);
    expect((await saved(dataDir, id))?.state).toBe('done');
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
  });

  it('a second signal exits at once (130); the restart still delivers the video once', async () => {
    const { fake, sink, dataDir } = await setUp();
    const first = await startApp({ name: 'first', fake, sink, dataDir, env: { UPLOAD_MS: '30000', SHUTDOWN_GRACE_SECONDS: '20' } });
    const id = await submit(first, 'impatient operator');
    await eventually(() => sink.uploads.length === 1, 20_000, 'the upload to start');
    first.child.kill('SIGTERM');
    await eventually(() => first.events().includes('shutdown.begin'), 3_000, 'the graceful shutdown to begin');
    await new Promise((r) => setTimeout(r, 200));
    expect(first.child.exitCode).toBeNull(); // still waiting for the upload
    const secondSignalAt = Date.now();
    first.child.kill('SIGINT');
    const exit = await first.exited;
    figure(`second signal: exited ${exit.at - secondSignalAt} ms after it`);
    expect(exit.code).toBe(130);
    expect(exit.at - secondSignalAt).toBeLessThan(1_000);
    expect(first.events()).toContain('shutdown.forced');
    expect(sink.posted()).toHaveLength(0);

    // Nothing was handed back (the exit was immediate): the restart waits out the short test leases.
    const second = await startApp({ name: 'second', fake, sink, dataDir });
    await eventually(() => sink.posted().length === 1, 8_000, 'the redelivery');
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(sink.posted()).toHaveLength(1);
    expect((await saved(dataDir, id))?.state).toBe('done');
  });
});
