/**
 * The reference store's three backends behave alike: saved files come back byte for byte (also
 * from a new store object on the same directory or Redis prefix, as after a restart or on another
 * instance), tokens point at blobs and are served in ranges, and everything goes with the job or
 * when it expires. Real files in a temporary directory and the real Redis on 127.0.0.1:6379.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileReferenceStore } from '../../../src/core/references/reference-store-files.js';
import { MemoryReferenceStore } from '../../../src/core/references/reference-store-memory.js';
import { RedisReferenceStore } from '../../../src/core/references/reference-store-redis.js';
import type { ReferenceStore } from '../../../src/core/references/reference-store.js';
import { readWhole } from '../../../src/core/references/reference-bytes.js';
import { dropRedisPrefix, REDIS_URL } from '../../helpers/redis.js';
import { fixture, referenceOf } from './helpers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

interface Backend {
  /** A store, and another object on the same data (a restart, or a second instance). */
  open(): { store: ReferenceStore; reopen(): ReferenceStore };
}

const backends: Record<string, Backend> = {
  files: {
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'seedance-refs-'));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const make = () => new FileReferenceStore(dir, { sweepIntervalMs: 0 });
      return { store: make(), reopen: make };
    },
  },
  redis: {
    open() {
      const prefix = `test-${randomUUID()}`;
      const made: RedisReferenceStore[] = [];
      const make = () => {
        const store = new RedisReferenceStore(REDIS_URL, prefix);
        made.push(store);
        return store;
      };
      cleanups.push(async () => {
        for (const store of made) await store.close();
        await dropRedisPrefix(prefix);
      });
      return { store: make(), reopen: make };
    },
  },
};

const cat = fixture('cat.png');
const clip = fixture('clip2s.mov');
const saved = () => [
  referenceOf({ name: 'cat.png', bytes: cat, size: cat.byteLength, publicUrl: { url: 'https://cdn.discordapp.com/attachments/1/2/cat.png?ex=1', expiresAt: new Date(1_900_000_000_000) } }),
  referenceOf({ name: 'clip.mov', kind: 'video', mime: 'video/quicktime', extension: 'mov', bytes: clip, size: clip.byteLength, durationSec: 2, index: 1, label: '@Video1', position: 2 }),
];

async function collect(pieces: AsyncIterable<Uint8Array> | undefined): Promise<Buffer | undefined> {
  if (!pieces) return undefined;
  const chunks: Buffer[] = [];
  for await (const piece of pieces) chunks.push(Buffer.from(piece));
  return Buffer.concat(chunks);
}

describe.each(Object.entries(backends))('%s reference store', (_name, backend) => {
  it('gives back what was saved, byte for byte and with every detail, to another store object on the same data', async () => {
    const { store, reopen } = backend.open();
    await store.save('job1', saved());
    const again = reopen();
    const loaded = await again.load('job1');
    expect(loaded).toHaveLength(2);
    const [image, video] = loaded!;
    expect(Buffer.from(await readWhole(image!)).equals(Buffer.from(cat))).toBe(true);
    expect(Buffer.from(await readWhole(video!)).equals(Buffer.from(clip))).toBe(true);
    const { bytes: _a, file: _f, ...imageMeta } = image!;
    expect(imageMeta).toEqual({
      name: 'cat.png', kind: 'image', mime: 'image/png', extension: 'png', size: cat.byteLength, index: 1, label: '@Image1', position: 1,
      publicUrl: { url: 'https://cdn.discordapp.com/attachments/1/2/cat.png?ex=1', expiresAt: new Date(1_900_000_000_000) },
      stored: { blob: '0' },
    });
    expect(video).toMatchObject({ label: '@Video1', durationSec: 2, stored: { blob: '1' } });
    expect(await again.load('unknown')).toBeUndefined();
    await store.save('textonly', []);
    expect(await again.load('textonly')).toBeUndefined(); // nothing written for a job without files
  });

  it('serves a granted blob whole or in a range from another store object, and forgets it all with the job', async () => {
    const { store, reopen } = backend.open();
    await store.save('job2', saved());
    const token = 'T'.repeat(43);
    await store.grant(token, { jobId: 'job2', blob: '1', fileName: 'clip.mov', mime: 'video/quicktime', size: clip.byteLength }, 60_000);
    const other = reopen();
    const grant = await other.lookup(token);
    expect(grant).toEqual({ jobId: 'job2', blob: '1', fileName: 'clip.mov', mime: 'video/quicktime', size: clip.byteLength });
    expect((await collect(await other.read(grant!, 0, clip.byteLength - 1)))!.equals(Buffer.from(clip))).toBe(true);
    expect((await collect(await other.read(grant!, 5, 20)))!.equals(Buffer.from(clip.subarray(5, 21)))).toBe(true);

    const extra = await store.addBlob('job2', { bytes: new Uint8Array([1, 2, 3]) }, 60_000);
    await store.grant('U'.repeat(43), { jobId: 'job2', blob: extra, fileName: 'x.png', mime: 'image/png', size: 3 }, 60_000);
    expect([...(await collect(await other.read((await other.lookup('U'.repeat(43)))!, 0, 2)))!]).toEqual([1, 2, 3]);

    await other.remove('job2');
    expect(await store.lookup(token)).toBeUndefined();
    expect(await store.lookup('U'.repeat(43))).toBeUndefined();
    expect(await store.load('job2')).toBeUndefined();
    expect(await store.read(grant!, 0, 1)).toBeUndefined();
  });

  it('refuses job ids that could leave its place', async () => {
    const { store } = backend.open();
    await expect(store.save('../etc', saved())).rejects.toThrow(/not a safe id/);
  });
});

describe('expiry', () => {
  it('memory and files: files go after their time, and a token keeps its job’s files alive as long as it lives', async () => {
    let clock = 1_000_000;
    const dir = mkdtempSync(join(tmpdir(), 'seedance-refs-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const files = new FileReferenceStore(dir, { sweepIntervalMs: 0, now: () => clock });
    for (const store of [new MemoryReferenceStore(() => clock), files]) {
      await store.save('a', saved(), 1_000);
      await store.save('b', saved(), 1_000);
      await store.grant('V'.repeat(43), { jobId: 'b', blob: '0', fileName: 'cat.png', mime: 'image/png', size: cat.byteLength }, 5_000);
      clock += 2_000;
      expect(await store.load('a')).toBeUndefined();
      expect(await store.load('b')).toHaveLength(2);
      expect(await store.lookup('V'.repeat(43))).toMatchObject({ jobId: 'b' });
      clock += 4_000;
      expect(await store.lookup('V'.repeat(43))).toBeUndefined();
      expect(await store.load('b')).toBeUndefined();
    }
    await files.save('c', saved(), 1_000);
    clock += 2_000;
    expect(await files.sweep()).toBe(1);
    expect(readdirSync(join(dir, 'jobs'))).toEqual([]);
    expect(readdirSync(join(dir, 'tokens'))).toEqual([]);
  });

  it('redis: every key of a job has an expiry, extended by a longer-lived token', async () => {
    const prefix = `test-${randomUUID()}`;
    const store = new RedisReferenceStore(REDIS_URL, prefix);
    cleanups.push(async () => {
      await store.close();
      await dropRedisPrefix(prefix);
    });
    await store.save('job3', saved(), 60_000);
    await store.grant('W'.repeat(43), { jobId: 'job3', blob: '0', fileName: 'cat.png', mime: 'image/png', size: cat.byteLength }, 600_000);
    const { createClient } = await import('@redis/client');
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    try {
      const keys: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: `${prefix}:*` })) keys.push(...batch);
      expect(keys.length).toBe(5); // meta, two blobs, the key set, the token
      for (const key of keys) {
        const ttl = await client.pTTL(key);
        expect(ttl, key).toBeGreaterThan(60_000);
        expect(ttl, key).toBeLessThanOrEqual(600_000);
      }
    } finally {
      await client.close();
    }
  });
});
