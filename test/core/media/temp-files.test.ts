/**
 * Conversion temp files: removed after each conversion whatever happens, and a directory left by a
 * process that died (kill -9, a crash: nothing of it ran its clean-up) is swept by the next start.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TempFiles } from '../../../src/core/media/temp-files.js';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
const newRoot = () => {
  const root = mkdtempSync(join(tmpdir(), 'seedance-temp-test-'));
  roots.push(root);
  return root;
};

describe('conversion temp files', () => {
  it('a conversion directory goes when the work ends, also when it throws', async () => {
    const temp = new TempFiles(newRoot());
    let seen = '';
    await expect(
      temp.within(async (dir) => {
        seen = dir;
        writeFileSync(join(dir, 'input.bin'), 'x');
        throw new Error('decoder failed');
      }),
    ).rejects.toThrow('decoder failed');
    expect(existsSync(seen)).toBe(false);
    temp.close();
    expect(existsSync(temp.dir)).toBe(false);
  });

  it("a dead process's directory is swept at the next start; a live one's is left alone", () => {
    const root = newRoot();
    // A real process that has ended: its pid is free (or reused by someone who is not us).
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    mkdirSync(join(root, `${dead}-deadbeef`, 'job-1'), { recursive: true });
    writeFileSync(join(root, `${dead}-deadbeef`, 'job-1', 'input.bin'), 'half a phone clip');
    mkdirSync(join(root, `${process.pid}-cafe0000`));
    const temp = new TempFiles(root);
    expect(readdirSync(root).sort()).toEqual([`${process.pid}-cafe0000`, temp.dir.split('/').pop()!].sort());
    temp.close();
  });
});
