/** The progress bar of `generate` on a terminal (a stand-in TTY stream: the one thing a test cannot have here). */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createProgress } from '../../src/cli/progress.js';

function fakeTerminal() {
  const writes: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      writes.push(chunk.toString('utf8'));
      done();
    },
  });
  return { writes, stream: Object.assign(stream, { isTTY: true, columns: 80, rows: 24 }) as unknown as NodeJS.WriteStream };
}

describe('generate progress on a terminal', () => {
  it('draws a bar for each step, and nothing once stopped (the outcome is printed after it)', () => {
    const { writes, stream } = fakeTerminal();
    const progress = createProgress(stream);
    progress.phase('queued', 0);
    progress.phase('processing', 3);
    expect(writes.join('')).toMatch(/█+░+ queued at Oxen 0 s/);
    progress.stop();
    const before = writes.length;
    progress.phase('done', 4);
    progress.bytes(1000, 2000);
    expect(writes.length).toBe(before);
  });
});
