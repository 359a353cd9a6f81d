/**
 * Crash tests with real processes: a bot process (test/process/bot-process.ts, the real core) is
 * kill -9'd at each step of a job and a new one started on the same store; and two bot processes
 * share the real Redis while one of them dies mid-run. Every job must be delivered exactly once.
 *
 * The test process runs the fake Oxen (manual timing: generations finish when the test says)
 * and the "platform" sink every bot process reports to, so uploads are counted across processes.
 *
 * Note on partial uploads: a kill during an upload can leave a partial upload at the sink. Only
 * complete uploads count as delivered, because that is what the real adapters must guarantee:
 * Discord and Slack post a file only once the whole multipart body has arrived, so an upload cut
 * off by a crash is invisible to people and the next attempt is the one they see.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { killAllBots, startBot, startSink, type BotProcess, type Sink, type SinkUpload } from './helpers.js';

const VIDEO = readFileSync(new URL('../fixtures/media/clip3s.mp4', import.meta.url));

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  await killAllBots(); // no orphans, whatever failed
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function setUp() {
  const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
  const sink = await startSink();
  cleanups.push(() => fake.close(), () => sink.close());
  return { fake, sink };
}

function sqliteDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-crash-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Finishes every generation at the fake as soon as it is queued, until the test ends. */
function autoComplete(fake: FakeOxen): void {
  const timer = setInterval(() => {
    for (const g of fake.generations.values()) if (g.status === 'queued' || g.status === 'processing') fake.complete(g.generation_id);
  }, 20);
  cleanups.push(() => clearInterval(timer));
}

const key = (u: Pick<SinkUpload, 'jobId' | 'generationId'>) => `${u.jobId}/${u.generationId}`;

/** Exactly one complete upload of the fake's video per generation of the job, and the job done. */
async function expectDeliveredOnce(bot: BotProcess, sink: Sink, fake: FakeOxen, jobId: string): Promise<void> {
  const job = await bot.job(jobId);
  expect(job?.state).toBe('done');
  expect(job!.generations.length).toBeGreaterThan(0);
  for (const generation of job!.generations) {
    expect(generation.delivery).toBe('delivered');
    expect(fake.generations.has(generation.id)).toBe(true);
    const posted = sink.posted().filter((u) => u.jobId === jobId && u.generationId === generation.id);
    expect(posted, `complete uploads of ${jobId}/${generation.id}`).toHaveLength(1);
    expect(posted[0]!.bytes.equals(VIDEO)).toBe(true);
  }
  // Nothing posted for a generation the job does not know (a second enqueue's orphan, say).
  const known = new Set(job!.generations.map((g) => g.id));
  expect(sink.posted().filter((u) => u.jobId === jobId && !known.has(u.generationId))).toEqual([]);
}

async function waitDone(bot: BotProcess, jobId: string, ms = 10_000): Promise<void> {
  await eventually(async () => (await bot.job(jobId))?.state === 'done', ms, `job ${jobId} done on ${bot.name}`).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- ${bot.name} stderr ---\n${bot.stderr()}`);
  });
}

const figures: string[] = [];
function figure(what: string, killedAt: number, readyAt: number, doneAt: number): void {
  const line = `${what}: restart ready in ${readyAt - killedAt} ms, delivered ${doneAt - killedAt} ms after the kill`;
  figures.push(line);
  console.log(line);
}

describe('kill -9 at each step of a job, then restart on the same SQLite store', () => {
  it('after the record (enqueue in flight, never answered): resumed, enqueued again, delivered once', async () => {
    const { fake, sink } = await setUp();
    const dir = sqliteDir();
    const first = await startBot({ name: 'first', fake, sink, store: { dataDir: dir } });
    fake.hangNext(1, 'enqueue');
    const id = await first.submit('after the record');
    await eventually(() => fake.requestsTo('enqueue').length === 1, 5_000, 'the hung enqueue');
    expect((await first.job(id))?.state).toBe('submitting'); // saved, and mid-enqueue
    await first.kill();
    const killedAt = Date.now();
    expect(fake.generations.size).toBe(0); // the hung enqueue created nothing at Oxen

    autoComplete(fake);
    const second = await startBot({ name: 'second', fake, sink, store: { dataDir: dir } });
    const readyAt = Date.now();
    await waitDone(second, id);
    figure('after the record', killedAt, readyAt, Date.now());

    await expectDeliveredOnce(second, sink, fake, id);
    // The queue listing shows nothing for the job, so it is enqueued again: two POSTs, one generation.
    expect(fake.requestsTo('enqueue')).toHaveLength(2);
    expect(fake.generations.size).toBe(1);
    expect(sink.uploads).toHaveLength(1);
  });

  it('after the enqueue (Oxen answered): not enqueued again, delivered once', async () => {
    const { fake, sink } = await setUp();
    const dir = sqliteDir();
    const first = await startBot({ name: 'first', fake, sink, store: { dataDir: dir } });
    const id = await first.submit('after the enqueue');
    // Killed the moment Oxen has the generation: the bot may or may not have saved its id yet.
    // Either way it must not enqueue again (a saved id is polled; an unsaved one is found in the
    // queue listing by model, prompt and time).
    await eventually(() => fake.generations.size === 1, 5_000, 'the enqueue');
    await first.kill();
    const killedAt = Date.now();
    const [generation] = fake.generations.keys();
    fake.complete(generation!); // finishes while no bot is running: no event replay

    const second = await startBot({ name: 'second', fake, sink, store: { dataDir: dir } });
    const readyAt = Date.now();
    await waitDone(second, id);
    figure('after the enqueue', killedAt, readyAt, Date.now());

    await expectDeliveredOnce(second, sink, fake, id);
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
    expect(sink.uploads).toHaveLength(1);
  });

  it('during the upload (body cut off): the partial upload is not a delivery, one complete upload follows', async () => {
    const { fake, sink } = await setUp();
    const dir = sqliteDir();
    autoComplete(fake);
    sink.stallNext('mid-body');
    const first = await startBot({ name: 'first', fake, sink, store: { dataDir: dir } });
    const id = await first.submit('during the upload');
    const stalled = await sink.stalled();
    await first.kill();
    const killedAt = Date.now();
    await eventually(() => stalled.aborted, 2_000, 'the cut-off upload to close');
    expect(stalled.complete).toBe(false);

    const second = await startBot({ name: 'second', fake, sink, store: { dataDir: dir } });
    const readyAt = Date.now();
    await waitDone(second, id);
    figure('during the upload', killedAt, readyAt, Date.now());

    await expectDeliveredOnce(second, sink, fake, id);
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
    expect(sink.uploads.map((u) => [u.bot, u.complete])).toEqual([
      ['first', false], // cut off by the kill: invisible on a real platform
      ['second', true],
    ]);
  });

  it('after the upload, before its record (posted, the bot never heard): found in the thread, not posted again', async () => {
    const { fake, sink } = await setUp();
    const dir = sqliteDir();
    autoComplete(fake);
    sink.stallNext('before-response');
    const first = await startBot({ name: 'first', fake, sink, store: { dataDir: dir } });
    const id = await first.submit('after the upload');
    const posted = await sink.stalled();
    expect(posted.complete).toBe(true);
    await first.kill();
    const killedAt = Date.now();

    const second = await startBot({ name: 'second', fake, sink, store: { dataDir: dir } });
    const readyAt = Date.now();
    await waitDone(second, id);
    figure('after the upload', killedAt, readyAt, Date.now());

    // findDelivered (the port looking in the thread) closes the window between post and record.
    await expectDeliveredOnce(second, sink, fake, id);
    expect(sink.uploads).toHaveLength(1);
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
  });
});

describe('two bot processes on one Redis', () => {
  it('one killed mid-run: the other takes its jobs over after the lease expires, each delivered once', async () => {
    const { fake, sink } = await setUp();
    const prefix = `crash-${randomUUID()}`;
    cleanups.push(() => dropRedisPrefix(prefix));
    const store = { url: REDIS_URL, prefix };
    const [a, b] = await Promise.all([startBot({ name: 'a', fake, sink, store }), startBot({ name: 'b', fake, sink, store })]);

    // Six jobs to A: four reach Oxen, two hang mid-enqueue when A dies.
    fake.hangNext(2, 'enqueue');
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => a.submit(`shared job ${i}`, `user-${i}`)));
    await eventually(() => fake.requestsTo('enqueue').length === 6 && fake.generations.size === 4, 5_000, 'six enqueues, four answered');
    await a.kill();
    const killedAt = Date.now();
    autoComplete(fake);

    await eventually(async () => (await Promise.all(ids.map((id) => b.job(id)))).every((job) => job?.state === 'done'), 10_000, 'all six done on b').catch(async (error: unknown) => {
      const jobs = await Promise.all(ids.map((id) => b.job(id)));
      throw new Error(`${String(error)}\n${JSON.stringify(jobs.map((j) => [j?.id, j?.state, j?.attempts, j?.generations]))}\nfake: ${JSON.stringify([...fake.generations.values()].map((g) => [g.prompt, g.status]))}\nsink: ${JSON.stringify(sink.uploads.map((u) => [u.bot, u.jobId, u.complete]))}\n--- b ---\n${b.stderr()}`);
    });
    const doneAt = Date.now();
    figure('redis, 6 jobs, instance a killed', killedAt, killedAt, doneAt);
    expect(doneAt - killedAt).toBeGreaterThanOrEqual(500); // B waited for A's leases (1 s, renewed until it died)

    for (const id of ids) await expectDeliveredOnce(b, sink, fake, id);
    // Every post is B's and unique; no generation posted twice.
    expect(sink.posted().map((u) => u.bot)).toEqual(Array(6).fill('b'));
    expect(new Set(sink.posted().map(key)).size).toBe(6);
    expect(sink.uploads).toHaveLength(6);
    // The two hung enqueues are not in the queue listing, so B enqueues those jobs again.
    expect(fake.requestsTo('enqueue')).toHaveLength(8);
    expect(fake.generations.size).toBe(6);
  });
});
