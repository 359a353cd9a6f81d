/**
 * FFmpeg's own messages stay out of stderr: in the bot its warnings and errors become lines of our
 * logger (a bounded number a minute), and making test fixtures prints nothing. Real FFmpeg.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogFields, Logger } from '../../../src/core/log.js';
import { routeFfmpegLog } from '../../../src/core/media/ffmpeg-log.js';
import { mediaAv } from '../../helpers/media-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'seedance-ffmpeg-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("FFmpeg's own log", { timeout: 60_000 }, () => {
  it('goes to our logger: warnings and errors only, at most 20 lines a minute, then a count of those dropped', async () => {
    const av = await mediaAv();
    const lines: LogFields[] = [];
    const log: Logger = { debug() {}, info() {}, error() {}, warn: (event, fields) => event === 'ffmpeg.log' && lines.push(fields!), child: () => log };
    let clock = 1_000_000;
    routeFfmpegLog(av, log, () => clock);
    try {
      av.Log.log(av.AV_LOG_INFO, 'x264 banner\n');
      av.Log.log(av.AV_LOG_WARNING, 'extension is not .m4a\n');
      av.Log.log(av.AV_LOG_ERROR, 'Could not find ref with POC 2\n');
      await until(() => lines.length >= 2);
      expect(lines).toEqual([
        { level: 'warning', message: 'extension is not .m4a' },
        { level: 'error', message: 'Could not find ref with POC 2' },
      ]);
      for (let i = 0; i < 30; i++) av.Log.log(av.AV_LOG_ERROR, `frame ${i} damaged\n`);
      await until(() => lines.length >= 20);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(lines).toHaveLength(20);
      clock += 60_000;
      av.Log.log(av.AV_LOG_ERROR, 'a minute later\n');
      await until(() => lines.length >= 21);
      expect(lines[20]).toEqual({ level: 'error', message: 'a minute later', dropped: 12 });
    } finally {
      av.Log.resetCallback();
    }
  });

  it('making a test fixture prints nothing on stderr (no encoder banners)', () => {
    const script = join(dir, 'make-fixture.mts');
    const helper = fileURLToPath(new URL('../../helpers/media-fixtures.ts', import.meta.url));
    writeFileSync(script, `import { FIXTURES } from ${JSON.stringify(helper)};\nawait FIXTURES.sdMp4(0.2);\nawait FIXTURES.m4a();\n`);
    const run = spawnSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 50_000 });
    expect(run.status).toBe(0);
    expect(run.stderr).toBe('');
  });
});

async function until(done: () => boolean): Promise<void> {
  for (let waited = 0; !done() && waited < 2_000; waited += 10) await new Promise((resolve) => setTimeout(resolve, 10));
}
