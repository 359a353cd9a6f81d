/**
 * Conversions run on a worker thread of their own: the event loop that answers Discord and Slack
 * stays idle while FFmpeg works (node-av's async calls used to cost it a promise and a callback
 * for every packet and frame), and a rotated phone clip is scaled before it is turned. Real FFmpeg
 * through node-av, on a clip made at test time.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { convertVideo, videoFilter } from '../../../src/core/media/convert-video.js';
import { probeMedia } from '../../../src/core/media/probe.js';
import { FIXTURES, mediaAv } from '../../helpers/media-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'seedance-transcode-thread-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('conversion off the event loop', { timeout: 120_000 }, () => {
  it('leaves the event loop idle while a clip converts, and the result plays upright', async () => {
    const av = await mediaAv();
    const input = join(dir, 'clip.mov');
    writeFileSync(input, await FIXTURES.phoneClip(2, 1280, 720));
    const video = (await probeMedia(av, input))!.video!;
    const before = performance.eventLoopUtilization();
    const output = join(dir, 'out.mp4');
    await convertVideo(av, { input, output, video, hasAudio: true, durationSec: 2, maxBytes: 20_000_000, threads: 2 });
    const used = performance.eventLoopUtilization(before);
    const probe = (await probeMedia(av, output))!;
    expect(probe.video).toMatchObject({ codec: 'h264', width: 720, height: 1280, rotation: 0 });
    expect(probe.audio?.codec).toBe('aac');
    // Through node-av's async calls on this thread the loop was busy three quarters of the time (0.75).
    expect(used.utilization).toBeLessThan(0.15);
  });

  it('drops frames first and scales before turning, so each step handles the fewest pixels', () => {
    const filter = videoFilter({ rotation: 90 }, { width: 720, height: 1280, fps: 30 });
    expect(filter).toBe('fps=30,scale=1280:720:flags=bilinear,format=yuv420p,transpose=clock,setsar=1');
  });
});
