/**
 * Conversions run on a worker thread of their own: the event loop that answers Discord and Slack
 * stays idle while FFmpeg works (node-av's async calls used to cost it a promise and a callback
 * for every packet and frame), and a rotated phone clip is scaled before it is turned. Real FFmpeg
 * through node-av, on a clip made at test time.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { convertVideo, decoderThreadsFor, referencePreset, videoFilter } from '../../../src/core/media/convert-video.js';
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

  it('encodes a 720p30 reference at x264 superfast and a smaller one at veryfast, each with one encoder thread', async () => {
    const av = await mediaAv();
    const convert = async (name: string, bytes: Uint8Array) => {
      const input = join(dir, name);
      writeFileSync(input, bytes);
      const video = (await probeMedia(av, input))!.video!;
      const output = join(dir, `${name}.mp4`);
      await convertVideo(av, { input, output, video, hasAudio: false, durationSec: 1, maxBytes: 20_000_000, threads: 2 });
      return x264Settings(readFileSync(output));
    };
    // x264 writes the settings it ran with into the stream.
    const phone = await convert('phone.mov', await FIXTURES.phoneClip(1, 1280, 720));
    expect(phone).toMatch(/ subme=1 /);
    // The worker's pool thread is the encoder's; x264's frame threads would each hold frames.
    expect(phone).toMatch(/ threads=1 /);
    const small = await convert('small.mp4', await FIXTURES.sdMp4(1));
    expect(small).toMatch(/ subme=2 /);
    expect(small).toMatch(/ threads=1 /);
  });

  it('gives the decoder frame threads only where decoding is the slow step (over 1080p30)', () => {
    expect(decoderThreadsFor({ width: 1920, height: 1080, fps: 30 }, 2)).toBe(1);
    expect(decoderThreadsFor({ width: 3840, height: 2160, fps: 30 }, 2)).toBe(2);
    expect(decoderThreadsFor({ width: 1920, height: 1080, fps: 60 }, 2)).toBe(2);
    expect(referencePreset(1280 * 720 * 30)).toBe('superfast');
    expect(referencePreset(854 * 480 * 30)).toBe('veryfast');
  });

  it('drops frames first and scales before turning, so each step handles the fewest pixels', () => {
    const filter = videoFilter({ rotation: 90 }, { width: 720, height: 1280, fps: 30 });
    expect(filter).toBe('fps=30,scale=1280:720:flags=bilinear,format=yuv420p,transpose=clock,setsar=1');
  });
});

/** The options line x264 writes into its stream (an SEI message), e.g. `... subme=1 ... threads=1 ...`. */
function x264Settings(bytes: Buffer): string {
  const text = bytes.toString('latin1');
  const at = text.indexOf('options: ');
  expect(at).toBeGreaterThan(0);
  return text.slice(at, text.indexOf('\0', at));
}
