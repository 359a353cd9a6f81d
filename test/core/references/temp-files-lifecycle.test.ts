/**
 * A request's files live in a temporary directory of its own (references/prepare.ts), and that
 * directory goes on every path: refused, thrown, cancelled mid-download, and (accepted) once the
 * caller releases the references; the intake releases them once they are saved, whatever follows.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createMediaConverter } from '../../../src/core/media/converter.js';
import { TempFiles } from '../../../src/core/media/temp-files.js';
import { prepareReferences } from '../../../src/core/references/prepare.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { FIXTURES } from '../../helpers/media-fixtures.js';
import { upload } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'seedance-lifecycle-'));
const temp = new TempFiles(root);
afterAll(() => {
  temp.close();
  rmSync(root, { recursive: true, force: true });
});
/** What is in this process's temporary directory: a request's directory while it lives. */
const left = () => readdirSync(temp.dir, { recursive: true });

describe("a request's temporary files", () => {
  it('accepted: the references are read from files there, until released', async () => {
    const prepared = await prepareReferences([upload('cat.png'), upload('clip3s.mp4')], 'a cat', { temp });
    if (!prepared.ok) throw new Error(JSON.stringify(prepared.problems));
    const files = prepared.value.references.map((r) => r.file);
    expect(files.every((f) => f?.startsWith(temp.dir))).toBe(true);
    expect(left().length).toBeGreaterThan(0);
    await prepared.value.release();
    expect(left()).toEqual([]);
  });

  it('refused: removed before the refusal is returned', async () => {
    const prepared = await prepareReferences([upload('cat.png'), upload('notes.png')], 'a cat', { temp });
    expect(prepared.ok).toBe(false);
    expect(left()).toEqual([]);
  });

  it('cancelled in the middle of a download: removed, the download reported', async () => {
    const controller = new AbortController();
    const endless: IncomingAttachment = {
      name: 'endless.mp4',
      download: () => Promise.reject(new Error('stream expected')),
      async *stream() {
        for (let i = 0; ; i++) {
          if (i === 3) controller.abort();
          yield new Uint8Array(64 * 1024);
          await new Promise((r) => setTimeout(r, 5));
        }
      },
    };
    const prepared = await prepareReferences([endless], 'a clip', { temp, signal: controller.signal });
    expect(prepared.ok ? [] : prepared.problems.map((p) => p.code)).toEqual(['reference.download_failed']);
    expect(left()).toEqual([]);
  });

  it('a conversion that fails: removed with the refusal naming the file', async () => {
    const converter = createMediaConverter();
    const failing = { ...converter, video: () => Promise.reject(new Error('disk full')) };
    const clip = await FIXTURES.phoneClip(0.3);
    const attachment: IncomingAttachment = { name: 'dance.mov', size: clip.byteLength, download: async () => clip };
    try {
      const prepared = await prepareReferences([attachment], 'dance', { temp, converter: failing });
      expect(prepared.ok ? [] : prepared.problems.map((p) => `${p.code} ${p.file}`)).toEqual(['reference.conversion_failed dance.mov']);
      expect(left()).toEqual([]);
    } finally {
      converter.close();
    }
  });

  it('anything that throws: removed, and the error goes on', async () => {
    const converter = createMediaConverter();
    const throwing = { ...converter, unavailable: () => Promise.reject(new Error('the binding crashed')) };
    try {
      await expect(prepareReferences([upload('cat.png')], 'a cat', { temp, converter: throwing })).rejects.toThrow('the binding crashed');
      expect(left()).toEqual([]);
    } finally {
      converter.close();
    }
  });
});
