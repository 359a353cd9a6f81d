/**
 * An iPhone-size grid is laid out in a Buffer and handed to FFmpeg. node-av 6.1.1's
 * Frame.fromVideoBuffer does not copy that Buffer (the frame points into it), so once the Buffer
 * was collected, FFmpeg's threads read freed memory and the whole process died (SIGSEGV). Run in a
 * fresh process with the collector running every millisecond, where that crash came every time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeHeif } from '../../helpers/heif-fixtures.js';

const SCRIPT = join(import.meta.dirname, '../../helpers/heic-under-gc.ts');

describe('a HEIC grid under the garbage collector', () => {
  it('converts in a process of its own without crashing, the picture intact', { timeout: 90_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedance-heic-gc-'));
    try {
      const input = join(dir, 'photo.heic');
      // 2000×1500 in 4×3 tiles of 512: the laid-out picture (4.5 MB) is big enough to be given back to the system when freed.
      writeFileSync(input, await makeHeif({ width: 2000, height: 1500, tile: { width: 512, height: 512 }, irot: 1 }));
      const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', SCRIPT, input], { encoding: 'utf8', timeout: 80_000 });
      expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
      expect(JSON.parse(run.stdout)).toEqual({ width: 1500, height: 2000, topLeft: 'green', topRight: 'white', bottomRight: 'blue', bottomLeft: 'red' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
