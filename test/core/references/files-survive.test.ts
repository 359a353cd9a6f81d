/**
 * A job's files outlive a restart and are served by every instance. Real parts throughout: the
 * service and engine, the SQLite store with the file reference store under the same directory (a
 * restart is new store, reference store and engine objects on the same files), the real Redis with
 * its reference store (two instances are two cores on one prefix), the fake Oxen over loopback, and
 * each core's self host behind its own loopback HTTP server. The fake Oxen does not fetch reference
 * URLs itself, so the test fetches each URL of the enqueue body, as Oxen would, from the instance
 * named (the URLs' public host, bot.example.com, stands for whichever instance the balancer picks).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../../../src/core/jobs/store.js';
import { FileReferenceStore } from '../../../src/core/references/reference-store-files.js';
import { RedisReferenceStore } from '../../../src/core/references/reference-store-redis.js';
import type { ReferenceStore } from '../../../src/core/references/reference-store.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { DEFAULT_OPTIONS } from '../../../src/core/request.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { eventually, startCore, type Core } from '../../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../../helpers/redis.js';
import { RecordingPort } from '../../helpers/recording-port.js';
import { fixture, paddedTo } from './helpers.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A PNG of a few hundred KB whose every byte is checked at the other end. */
const PICTURE = (() => {
  const bytes = paddedTo(fixture('cat.png'), 300_000);
  for (let i = fixture('cat.png').byteLength; i < bytes.byteLength; i++) bytes[i] = (i * 7) % 251;
  return bytes;
})();
const CLIP = fixture('clip2s.mov');

const attachment = (name: string, bytes: Uint8Array, contentType: string): IncomingAttachment => ({ name, size: bytes.byteLength, contentType, download: async () => bytes });

async function instance(fake: FakeOxen, store: JobStore, references: ReferenceStore, name: string): Promise<{ core: Core; port: RecordingPort; server: Server; origin: string }> {
  const port = new RecordingPort();
  const core = await startCore({ fake, store, port, references, engine: { instanceId: `${name}-${randomUUID()}`, globalLimit: 1 }, service: { perUserLimit: 5 } });
  const server = createServer((req, res) => {
    void core.host.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stop = async () => {
    await core.stop();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };
  cleanups.push(stop);
  return { core, port, server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Every reference URL in an enqueue body, fetched from `origin` as Oxen would fetch it. */
async function fetchReferences(body: string, origin: string): Promise<{ status: number; bytes: Buffer }[]> {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  const urls = ['input_images', 'input_videos', 'input_audios'].flatMap((field) => (parsed[field] as string[] | undefined) ?? []);
  expect(urls.length).toBeGreaterThan(0);
  return Promise.all(
    urls.map(async (url) => {
      expect(url).toMatch(/^https:\/\/bot\.example\.com\/references\/[A-Za-z0-9_-]{43}\//);
      const answer = await fetch(origin + new URL(url).pathname);
      return { status: answer.status, bytes: Buffer.from(await answer.arrayBuffer()) };
    }),
  );
}

const submitInput = (prompt: string, attachments: IncomingAttachment[]) => ({
  request: { prompt, options: DEFAULT_OPTIONS },
  attachments,
  requester: { platform: 'discord' as const, userId: 'alice', scopeId: 'guild-1' },
  destination: { platform: 'discord' as const, channelId: 'channel-1' },
});

/** A text-only job that holds the one global slot at Oxen until the test completes it. */
async function occupyTheSlot(core: Core, fake: FakeOxen): Promise<string> {
  const blocker = await core.service.submit(submitInput('a blocker', []));
  if (!blocker.ok) throw new Error(JSON.stringify(blocker.problems));
  await eventually(() => fake.requestsTo('enqueue').length === 1, 3_000, 'the blocker at Oxen');
  return [...fake.generations.keys()][0]!;
}

describe('a job with files that was saved', () => {
  it('survives a restart before it reached Oxen: enqueued after it with its files, which Oxen fetches byte for byte', async () => {
    const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
    const dir = mkdtempSync(join(tmpdir(), 'seedance-restart-'));
    cleanups.push(() => fake.close(), () => rmSync(dir, { recursive: true, force: true }));

    const firstStore = new SqliteJobStore(dir);
    const first = await instance(fake, firstStore, new FileReferenceStore(join(dir, 'references'), { sweepIntervalMs: 0 }), 'first');
    const blockerGeneration = await occupyTheSlot(first.core, fake);
    const submitted = await first.core.service.submit(
      submitInput('@cat.png dances with @clip.mov', [attachment('cat.png', PICTURE, 'image/png'), attachment('clip.mov', CLIP, 'video/quicktime')]),
    );
    expect(submitted.ok, JSON.stringify(submitted)).toBe(true);
    const jobId = submitted.ok ? submitted.value.job.id : '';
    expect((await firstStore.get(jobId))?.state).toBe('waiting');

    // The restart: this process's objects go (without handing the leases back, as a crash), new
    // ones open the same files. Nothing of the first survives but what is on disk.
    await first.core.engine.stop({ handBack: false });
    await firstStore.close();
    const secondStore = new SqliteJobStore(dir);
    cleanups.push(() => secondStore.close());
    const second = await instance(fake, secondStore, new FileReferenceStore(join(dir, 'references'), { sweepIntervalMs: 0 }), 'second');

    fake.complete(blockerGeneration);
    await eventually(() => fake.requestsTo('enqueue').length === 2, 8_000, 'the job with files at Oxen');
    const fetched = await fetchReferences(fake.requestsTo('enqueue')[1]!.body, second.origin);
    expect(fetched.map((f) => f.status)).toEqual([200, 200]);
    expect(fetched.map((f) => f.bytes.byteLength).sort((a, b) => a - b)).toEqual([CLIP.byteLength, PICTURE.byteLength].sort((a, b) => a - b));
    expect(fetched.some((f) => f.bytes.equals(Buffer.from(PICTURE)))).toBe(true);
    expect(fetched.some((f) => f.bytes.equals(Buffer.from(CLIP)))).toBe(true);
    expect((await secondStore.get(jobId))?.state).toBe('running');
    expect((await secondStore.get(jobId))?.failure).toBeUndefined();

    // The job ends: its files and tokens are removed.
    const generation = (await secondStore.get(jobId))!.generations[0]!.id;
    fake.complete(generation);
    await eventually(async () => (await secondStore.get(jobId))?.state === 'done', 8_000, 'the job done');
    await eventually(async () => (await second.core.host.files.load(jobId)) === undefined, 3_000, 'the files removed');
    expect((await fetchReferences(fake.requestsTo('enqueue')[1]!.body, second.origin)).map((f) => f.status)).toEqual([404, 404]);
  });

  it('with two instances on Redis: a reference hosted by one is served by the other, and a job one saved the other launches with its files', async () => {
    const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
    const prefix = `test-${randomUUID()}`;
    cleanups.push(() => fake.close(), () => dropRedisPrefix(prefix));
    const open = () => {
      const store = new RedisJobStore(REDIS_URL, prefix);
      const references = new RedisReferenceStore(REDIS_URL, prefix);
      cleanups.push(() => store.close(), () => references.close());
      return { store, references };
    };
    const a = open();
    const b = open();
    const one = await instance(fake, a.store, a.references, 'one');
    const blockerGeneration = await occupyTheSlot(one.core, fake);
    const submitted = await one.core.service.submit(submitInput('@cat.png in the snow', [attachment('cat.png', PICTURE, 'image/png')]));
    expect(submitted.ok, JSON.stringify(submitted)).toBe(true);

    // Instance one stops before the job reached Oxen; instance two takes it over and launches it.
    await one.core.engine.stop({ handBack: true });
    const two = await instance(fake, b.store, b.references, 'two');
    fake.complete(blockerGeneration);
    await eventually(() => fake.requestsTo('enqueue').length === 2, 8_000, 'the job with files at Oxen');
    const body = fake.requestsTo('enqueue')[1]!.body;
    const fromTwo = await fetchReferences(body, two.origin);
    expect(fromTwo.map((f) => f.status)).toEqual([200]);
    expect(fromTwo[0]!.bytes.equals(Buffer.from(PICTURE))).toBe(true);
    // ...and the instance that did not host it serves it too.
    const fromOne = await fetchReferences(body, one.origin);
    expect(fromOne.map((f) => f.status)).toEqual([200]);
    expect(fromOne[0]!.bytes.equals(Buffer.from(PICTURE))).toBe(true);
  });

  it('whose files expired while it waited fails plainly when its turn comes, and sends nothing to Oxen', async () => {
    const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
    const dir = mkdtempSync(join(tmpdir(), 'seedance-expired-'));
    cleanups.push(() => fake.close(), () => rmSync(dir, { recursive: true, force: true }));
    let clock = Date.now();
    const files = new FileReferenceStore(join(dir, 'references'), { sweepIntervalMs: 0, now: () => clock });
    const store = new SqliteJobStore(dir);
    cleanups.push(() => store.close());
    const { core } = await instance(fake, store, files, 'only');
    const blockerGeneration = await occupyTheSlot(core, fake);
    const submitted = await core.service.submit(submitInput('@cat.png in the snow', [attachment('cat.png', PICTURE, 'image/png')]));
    if (!submitted.ok) throw new Error(JSON.stringify(submitted.problems));
    clock += 25 * 60 * 60 * 1000; // past the 24 hours files are kept
    fake.complete(blockerGeneration);
    await eventually(async () => (await store.get(submitted.value.job.id))?.state === 'failed', 8_000, 'the job failed');
    expect((await store.get(submitted.value.job.id))?.failure).toEqual({ code: 'job.references_lost' });
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
  });

  it('cancelled while waiting, from an instance that does not follow it, takes its files with it', async () => {
    const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
    const prefix = `test-${randomUUID()}`;
    cleanups.push(() => fake.close(), () => dropRedisPrefix(prefix));
    const open = () => {
      const store = new RedisJobStore(REDIS_URL, prefix);
      const references = new RedisReferenceStore(REDIS_URL, prefix);
      cleanups.push(() => store.close(), () => references.close());
      return { store, references };
    };
    const a = open();
    const b = open();
    const one = await instance(fake, a.store, a.references, 'one');
    const two = await instance(fake, b.store, b.references, 'two');
    await occupyTheSlot(one.core, fake);
    const submitted = await one.core.service.submit(submitInput('@cat.png in the snow', [attachment('cat.png', PICTURE, 'image/png')]));
    if (!submitted.ok) throw new Error(JSON.stringify(submitted.problems));
    const jobId = submitted.value.job.id;
    expect(await b.references.load(jobId)).toHaveLength(1);

    const cancelled = await two.core.service.cancel(jobId, { platform: 'discord', userId: 'alice' });
    expect(cancelled.ok && cancelled.value.job.state).toBe('cancelled');
    expect(await b.references.load(jobId)).toBeUndefined();
    expect(await a.references.load(jobId)).toBeUndefined();
  });
});
