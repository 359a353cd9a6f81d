import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryReferenceStore } from '../../../src/core/references/reference-store-memory.js';
import { safeFileName, SelfReferenceHost } from '../../../src/core/references/self-host.js';
import { fixture, referenceOf } from './helpers.js';

const HOUR = 60 * 60 * 1000;
let clock = 1_000_000;
let host: SelfReferenceHost;
let server: Server;
let origin: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    void host.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(418).end('not a reference path');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await host?.close();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(async () => {
  await host?.close();
  clock = 1_000_000;
  host = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com/', now: () => clock });
});

/** The path of a hosted URL, fetched from the test server. */
const local = (url: string, init?: RequestInit) => fetch(origin + new URL(url).pathname, init);

describe('SelfReferenceHost', () => {
  it('gives an unguessable URL under PUBLIC_BASE_URL with a safe name and the real extension', async () => {
    const first = await host.host(referenceOf({ name: 'my cat (1).PNG' }), { jobId: 'job-1', minLifetimeMs: 0 });
    const second = await host.host(referenceOf({ name: 'my cat (1).PNG' }), { jobId: 'job-1', minLifetimeMs: 0 });
    expect(first.url).toMatch(/^https:\/\/bot\.example\.com\/references\/[A-Za-z0-9_-]{43}\/my-cat-1\.png$/);
    expect(second.url).not.toBe(first.url);
    expect(first.expiresAt).toEqual(new Date(clock + 2 * HOUR));
  });

  it('serves identical bytes with the right headers over HTTP, and HEAD without a body', async () => {
    const bytes = fixture('clip2s.mov');
    const hosted = await host.host(referenceOf({ name: 'clip.mp4', bytes, mime: 'video/quicktime', extension: 'mov' }), { jobId: 'j', minLifetimeMs: 0 });
    expect(hosted.url.endsWith('/clip.mov')).toBe(true);

    const got = await local(hosted.url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('video/quicktime');
    expect(got.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(bytes);

    const head = await local(hosted.url, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect((await head.arrayBuffer()).byteLength).toBe(0);

    const posted = await local(hosted.url, { method: 'POST' });
    expect(posted.status).toBe(405);
  });

  it('serves a byte range', async () => {
    const bytes = fixture('cat.png');
    const hosted = await host.host(referenceOf({ bytes }), { jobId: 'j', minLifetimeMs: 0 });
    const part = await local(hosted.url, { headers: { Range: 'bytes=1-3' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1-3/${bytes.byteLength}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(1, 4));
    expect((await local(hosted.url, { headers: { Range: `bytes=${bytes.byteLength}-` } })).status).toBe(416);
  });

  it('answers 404 for unknown tokens and bare paths, and leaves other paths alone', async () => {
    const hosted = await host.host(referenceOf(), { jobId: 'j', minLifetimeMs: 0 });
    const token = new URL(hosted.url).pathname.split('/')[2] ?? '';
    const forged = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    expect((await fetch(`${origin}/references/${forged}/cat.png`)).status).toBe(404);
    expect((await fetch(`${origin}/references/`)).status).toBe(404);
    expect((await fetch(`${origin}/references`)).status).toBe(404);
    expect((await fetch(`${origin}/references/../healthz`)).status).toBe(418);
    expect((await fetch(`${origin}/healthz`)).status).toBe(418);
    expect((await fetch(`${origin}/references/${token}`)).status).toBe(200);
  });

  it('expires after the TTL, or later when the job needs longer', async () => {
    const short = await host.host(referenceOf(), { jobId: 'j', minLifetimeMs: 0 });
    const long = await host.host(referenceOf(), { jobId: 'j', minLifetimeMs: 5 * HOUR });
    expect(long.expiresAt).toEqual(new Date(clock + 5 * HOUR));

    clock += 2 * HOUR;
    expect((await local(short.url)).status).toBe(404);
    expect((await local(long.url)).status).toBe(200);
    clock += 3 * HOUR;
    expect((await local(long.url)).status).toBe(404);
  });

  it('release drops only that job’s files', async () => {
    const mine = await host.host(referenceOf(), { jobId: 'mine', minLifetimeMs: 0 });
    const theirs = await host.host(referenceOf(), { jobId: 'theirs', minLifetimeMs: 0 });
    await host.release('mine');
    expect((await local(mine.url)).status).toBe(404);
    expect((await local(theirs.url)).status).toBe(200);
    const token = (url: string) => new URL(url).pathname.split('/')[2] ?? '';
    expect(await host.resolve(token(mine.url))).toBeUndefined();
    expect(await host.resolve(token(theirs.url))).toMatchObject({ mime: 'image/png', fileName: 'cat.png', jobId: 'theirs' });
  });

  it('serves what another host on the same store granted, and a saved reference without copying it', async () => {
    const files = new MemoryReferenceStore(() => clock);
    const bytes = fixture('clip2s.mov');
    await files.save('j', [referenceOf({ name: 'clip.mov', bytes, mime: 'video/quicktime', extension: 'mov', kind: 'video', label: '@Video1' })]);
    const [saved] = (await files.load('j'))!;
    expect(saved?.stored).toEqual({ blob: '0' });
    const granting = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com', files, now: () => clock });
    const hosted = await granting.host(saved!, { jobId: 'j', minLifetimeMs: 0 });
    const serving = new SelfReferenceHost({ publicBaseUrl: 'https://bot.example.com', files, now: () => clock });
    const token = new URL(hosted.url).pathname.split('/')[2] ?? '';
    expect(await serving.resolve(token)).toEqual({ jobId: 'j', blob: '0', fileName: 'clip.mov', mime: 'video/quicktime', size: bytes.byteLength });
    await serving.release('j');
    expect(await granting.resolve(token)).toBeUndefined();
    expect(await files.load('j')).toBeUndefined();
  });

  it('keeps a path prefix of PUBLIC_BASE_URL and serves under it', async () => {
    const prefixed = new SelfReferenceHost({ publicBaseUrl: 'https://example.com/bot', now: () => clock });
    const hosted = await prefixed.host(referenceOf(), { jobId: 'j', minLifetimeMs: 0 });
    expect(hosted.url).toMatch(/^https:\/\/example\.com\/bot\/references\/[A-Za-z0-9_-]{43}\/cat\.png$/);
    const previous = host;
    host = prefixed;
    expect((await local(hosted.url)).status).toBe(200);
    host = previous;
    await prefixed.close();
  });
});

describe('safeFileName', () => {
  it('keeps letters, digits, dash and underscore, and uses the sniffed extension', () => {
    expect(safeFileName('Café photo.PNG', 'jpg')).toBe('Cafe-photo.jpg');
    expect(safeFileName('../../etc/passwd', 'png')).toBe('etc-passwd.png');
    expect(safeFileName('"><script>.png', 'png')).toBe('script.png');
    expect(safeFileName('日本.webp', 'webp')).toBe('reference.webp');
  });
});
