/**
 * Reference files with real bot processes (test/process/bot-process.ts: the real core, its files in
 * the reference store beside the job store, its self host on the process's HTTP server): a job with
 * files saved by a process that is then kill -9'd before the job reached Oxen is enqueued by the
 * next process with its files; and with two processes on the real Redis, a file hosted by one is
 * served by the other. The fake Oxen does not fetch reference URLs itself, so the test fetches
 * each URL of the enqueue body, as Oxen would, from the process named (the URLs' public host,
 * bot.example.com, stands for whichever instance a load balancer picks).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { fixture, paddedTo } from '../core/references/helpers.js';
import { killAllBots, startBot, startSink, type BotProcess } from './helpers.js';

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  await killAllBots();
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const PICTURE = (() => {
  const bytes = paddedTo(fixture('cat.png'), 200_000);
  for (let i = fixture('cat.png').byteLength; i < bytes.byteLength; i++) bytes[i] = (i * 13) % 253;
  return bytes;
})();

async function setUp() {
  const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
  const sink = await startSink();
  cleanups.push(() => fake.close(), () => sink.close());
  return { fake, sink };
}

/** The files of the enqueue body, fetched from `bot` as Oxen would fetch them. */
async function fetchReferences(fake: FakeOxen, enqueue: number, bot: BotProcess): Promise<{ status: number; bytes: Buffer }[]> {
  const body = JSON.parse(fake.requestsTo('enqueue')[enqueue]!.body) as { input_images?: string[] };
  const urls = body.input_images ?? [];
  expect(urls).toHaveLength(1);
  return Promise.all(
    urls.map(async (url) => {
      const answer = await fetch(bot.url + new URL(url).pathname);
      return { status: answer.status, bytes: Buffer.from(await answer.arrayBuffer()) };
    }),
  );
}

describe('reference files across processes', () => {
  it('a job with files whose process was kill -9ed before it reached Oxen is enqueued by the next one, with its files', async () => {
    const { fake, sink } = await setUp();
    const dataDir = mkdtempSync(join(tmpdir(), 'seedance-refs-process-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const env = { GLOBAL_LIMIT: '1' };

    const first = await startBot({ name: 'first', fake, sink, store: { dataDir }, env });
    await first.submit('a blocker that holds the only slot at Oxen', 'u1');
    await eventually(() => fake.requestsTo('enqueue').length === 1, 5_000, 'the blocker at Oxen');
    const jobId = await first.submit('@cat.png on a skateboard', 'u2', [{ name: 'cat.png', contentType: 'image/png', bytes: PICTURE }]);
    expect((await first.job(jobId))?.state).toBe('waiting');
    await first.kill();

    const second = await startBot({ name: 'second', fake, sink, store: { dataDir }, env });
    fake.complete([...fake.generations.keys()][0]!);
    await eventually(() => fake.requestsTo('enqueue').length === 2, 10_000, 'the job with files at Oxen');
    const fetched = await fetchReferences(fake, 1, second);
    expect(fetched.map((f) => f.status)).toEqual([200]);
    expect(fetched[0]!.bytes.equals(Buffer.from(PICTURE))).toBe(true);
    const job = await second.job(jobId);
    expect(job?.state).toBe('running');
    expect(job?.failure).toBeUndefined();
  });

  it('two processes on Redis: a file one of them hosted is served by the other', async () => {
    const { fake, sink } = await setUp();
    const prefix = `test-${randomUUID()}`;
    cleanups.push(() => dropRedisPrefix(prefix));
    const store = { url: REDIS_URL, prefix };
    const one = await startBot({ name: 'one', fake, sink, store });
    const two = await startBot({ name: 'two', fake, sink, store });

    await one.submit('@cat.png in the rain', 'u1', [{ name: 'cat.png', contentType: 'image/png', bytes: PICTURE }]);
    await eventually(() => fake.requestsTo('enqueue').length === 1, 5_000, 'the job at Oxen');
    for (const bot of [two, one]) {
      const fetched = await fetchReferences(fake, 0, bot);
      expect(fetched.map((f) => f.status), bot.name).toEqual([200]);
      expect(fetched[0]!.bytes.equals(Buffer.from(PICTURE)), bot.name).toBe(true);
    }
  });
});
