/**
 * GET /results/...: the original of a finished video when its result lives in a private
 * repository on the hub (the fake Oxen's 'same-origin' mode: the file endpoint answers only with
 * the API key). The bot fetches it with the key and streams it through; the person's answer never
 * carries the key. Bad tokens, unknown jobs, unfinished generations and other methods are refused
 * with plain sentences.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ResultLinks } from '../../src/core/jobs/result-links.js';
import { silentLogger } from '../../src/core/log.js';
import { OxenClient } from '../../src/core/oxen/client.js';
import { resultsRoute } from '../../src/server/results-route.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually, sqliteStore, type StoreHandle } from '../helpers/harness.js';
import { jobRecord } from '../helpers/job-record.js';

const VIDEO = new Uint8Array(readFileSync(new URL('../fixtures/media/clip3s.mp4', import.meta.url)));
let fake: FakeOxen | undefined;
let handle: StoreHandle | undefined;
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await fake?.close();
  await handle?.store.close();
  await handle?.cleanup();
  fake = handle = server = undefined;
});

describe('GET /results', () => {
  it('streams the original from a private hub repository with the key, and never hands the key out', async () => {
    fake = await startFakeOxen({ timing: 'manual', resultMode: 'same-origin', resultVideo: VIDEO });
    handle = sqliteStore();
    const oxen = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
    const [generationId] = await oxen.enqueue({ model: 'bytedance-seedance-2-0-fast-text-to-video', prompt: 'a fox' });
    fake.complete(generationId!);
    await eventually(() => fake!.generations.get(generationId!)?.status === 'succeeded');
    const job = jobRecord({ state: 'done', generations: [{ id: generationId!, status: 'succeeded', delivery: 'delivered' }] });
    const waiting = jobRecord({ state: 'running', generations: [{ id: 'not-finished', status: 'processing', delivery: 'pending' }] });
    await handle.store.put(job);
    await handle.store.put(waiting);

    const links = new ResultLinks({ publicBaseUrl: 'https://bot.example.com/', secret: fake.apiKey, keepsMs: 30 * 86_400_000 });
    const route = resultsRoute({ links, store: handle.store, oxen, log: silentLogger });
    server = createServer((req, res) => void Promise.resolve(route(req, res)).then((handled) => handled || res.writeHead(404).end()));
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const path = (url: string) => new URL(url).pathname;

    const link = links.linkFor(job, job.generations[0]!)!;
    expect(link.keepsDays).toBe(30);
    const answer = await fetch(base + path(link.url));
    expect(answer.status).toBe(200);
    const body = Buffer.from(await answer.arrayBuffer());
    expect(body.equals(Buffer.from(VIDEO))).toBe(true);
    expect(JSON.stringify([...answer.headers])).not.toContain(fake.apiKey);
    // The hub's file endpoint was read with the key (it answers nothing without it).
    expect(fake.requestsTo('repoFile').at(-1)!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect((await fetch(base + path(link.url), { method: 'HEAD' })).headers.get('content-length')).toBe(String(VIDEO.byteLength));

    const forged = path(link.url).replace(/\/1\/[A-Za-z0-9_-]{22}\//, `/1/${'x'.repeat(22)}/`);
    expect((await fetch(base + forged)).status).toBe(404);
    expect((await fetch(base + path(link.url).replace('/1/', '/2/'))).status).toBe(404);
    const unfinished = await fetch(base + path(links.linkFor(waiting, waiting.generations[0]!)!.url));
    expect(unfinished.status).toBe(404);
    expect(await unfinished.text()).toMatch(/no longer kept/);
    expect((await fetch(base + path(link.url), { method: 'POST' })).status).toBe(405);
    const otherKey = new ResultLinks({ publicBaseUrl: 'https://bot.example.com', secret: 'another key', keepsMs: 86_400_000 });
    expect((await fetch(base + path(otherKey.linkFor(job, job.generations[0]!)!.url))).status).toBe(404);
  });
});
