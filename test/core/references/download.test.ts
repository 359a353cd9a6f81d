import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadAttachment } from '../../../src/core/references/download.js';
import { loadAttachments } from '../../../src/core/references/load.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { upload } from './helpers.js';

const options = { timeoutMs: 1_000, maxBytes: 1_000 };
const dir = mkdtempSync(join(tmpdir(), 'seedance-download-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const target = () => join(dir, `file-${++n}`);

describe('downloadAttachment', () => {
  it('writes the bytes into the file', async () => {
    const attachment = upload('cat.png');
    const path = target();
    const outcome = await downloadAttachment(attachment, path, { ...options, maxBytes: 1_000_000 });
    const written = readFileSync(path);
    expect(outcome).toEqual({ ok: true, size: written.byteLength });
    expect(written.equals(Buffer.from(await upload('cat.png').download()))).toBe(true);
    expect(attachment.downloads).toBe(1);
  });

  it('refuses a declared size over the cap without downloading', async () => {
    const attachment = upload('cat.png', 'cat.png', { size: 5_000 });
    expect(await downloadAttachment(attachment, target(), options)).toEqual({ ok: false, reason: 'too_large', bytes: 5_000 });
    expect(attachment.downloads).toBe(0);
  });

  it('stops reading a stream once the cap is passed', async () => {
    let chunksRead = 0;
    let closed = false;
    const endless: IncomingAttachment = {
      name: 'endless.mp4',
      download: () => Promise.reject(new Error('stream should be preferred')),
      async *stream() {
        try {
          for (;;) {
            chunksRead++;
            yield new Uint8Array(300);
          }
        } finally {
          closed = true;
        }
      },
    };
    expect(await downloadAttachment(endless, target(), options)).toEqual({ ok: false, reason: 'too_large', bytes: 1_200 });
    expect(chunksRead).toBe(4);
    expect(closed).toBe(true);
  });

  it('stops at the declared size: more bytes than the platform said (and the cap reserved) are not read', async () => {
    let chunksRead = 0;
    const liar: IncomingAttachment = {
      name: 'liar.mp4',
      size: 500,
      download: () => Promise.reject(new Error('stream should be preferred')),
      async *stream() {
        for (;;) {
          chunksRead++;
          yield new Uint8Array(300);
        }
      },
    };
    expect(await downloadAttachment(liar, target(), options)).toEqual({ ok: false, reason: 'larger_than_declared' });
    expect(chunksRead).toBe(2);
  });

  it('joins streamed chunks', async () => {
    const streamed: IncomingAttachment = {
      name: 'two.bin',
      download: () => Promise.reject(new Error('unused')),
      async *stream() {
        yield new Uint8Array([1, 2]);
        yield new Uint8Array([3]);
      },
    };
    const path = target();
    expect(await downloadAttachment(streamed, path, options)).toEqual({ ok: true, size: 3 });
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
  });

  it('refuses bytes over the cap from a plain download', async () => {
    const outcome = await downloadAttachment({ name: 'big', download: async () => new Uint8Array(1_001) }, target(), options);
    expect(outcome).toEqual({ ok: false, reason: 'too_large', bytes: 1_001 });
  });

  it('gives up after the timeout even when the download ignores its signal', async () => {
    let signalAborted = false;
    const stuck: IncomingAttachment = {
      name: 'stuck.png',
      download: (signal) => {
        signal?.addEventListener('abort', () => (signalAborted = true));
        return new Promise<Uint8Array>(() => undefined);
      },
    };
    const started = Date.now();
    expect(await downloadAttachment(stuck, target(), { ...options, timeoutMs: 30 })).toEqual({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(signalAborted).toBe(true);
  });

  it('reports a failing download as data, not a throw', async () => {
    const broken: IncomingAttachment = { name: 'x.png', download: () => Promise.reject(new Error('HTTP 403 for https://secret')) };
    expect(await downloadAttachment(broken, target(), options)).toEqual({ ok: false, reason: 'failed' });
  });

  it('reports cancellation by the caller', async () => {
    const controller = new AbortController();
    const slow: IncomingAttachment = { name: 'slow.png', download: () => new Promise<Uint8Array>(() => undefined) };
    const pending = downloadAttachment(slow, target(), { ...options, signal: controller.signal });
    controller.abort();
    expect(await pending).toEqual({ ok: false, reason: 'cancelled' });
  });
});

describe('loadAttachments', () => {
  it('downloads at most `concurrency` files at once, each exactly once, keeping upload order', async () => {
    let running = 0;
    let peak = 0;
    const calls: string[] = [];
    const files = ['cat.png', 'dog.jpg', 'bird.webp', 'clip1s.mp4', 'tone2s.wav', 'clip2s.mov'];
    const attachments = files.map((file) => {
      const real = upload(file);
      return {
        name: file,
        async download() {
          calls.push(file);
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 10));
          running--;
          return real.download();
        },
      } satisfies IncomingAttachment;
    });
    const outcomes = await loadAttachments(attachments, dir, { concurrency: 2 });
    expect(peak).toBe(2);
    expect(calls.sort()).toEqual([...files].sort());
    expect(outcomes.map((o) => (o.ok ? o.media.name : o.name))).toEqual(files);
    expect(outcomes.map((o) => (o.ok ? o.media.position : o.position))).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
