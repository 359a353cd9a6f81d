/**
 * A clip over 30 fps becomes 30 fps: the decoder skips the frames nothing refers to (half of a
 * 60 fps clip with two temporal layers) and the output stays smooth, every frame a different
 * moment, with its full duration; where the skipped frames are unevenly spread (three B-frames
 * in four) the conversion runs again decoding every frame. Real FFmpeg on clips made here.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { convertVideo } from '../../../src/core/media/convert-video.js';
import { probeMedia } from '../../../src/core/media/probe.js';
import { FIXTURES, makeMedia, mediaAv } from '../../helpers/media-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'seedance-frame-skipping-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('60 fps sources', { timeout: 120_000 }, () => {
  it('a phone-style HEVC clip: half its frames decoded, 30 distinct frames a second, the full duration', async () => {
    const converted = await convert('phone.mov', await FIXTURES.phoneClip(2, 1280, 720));
    expect(converted.decodedFrames).toBeLessThanOrEqual(61);
    expect(converted.output).toEqual({ frames: 60, distinct: 60, fps: 30 });
    expect(converted.durationSec).toBeCloseTo(2, 1);
  });

  it('an H.264 clip whose unreferenced frames are three in four: every frame decoded, still smooth', async () => {
    const clip = await makeMedia({ format: 'mp4', seconds: 2, video: { codec: 'libx264', width: 1280, height: 720, fps: 60, options: { preset: 'ultrafast', 'x264-params': 'bframes=3:b-adapt=0:b-pyramid=none' } } });
    const converted = await convert('bframes.mp4', clip);
    expect(converted.decodedFrames).toBe(120);
    expect(converted.output).toEqual({ frames: 60, distinct: 60, fps: 30 });
    expect(converted.durationSec).toBeCloseTo(2, 1);
  });
});

async function convert(name: string, bytes: Uint8Array) {
  const av = await mediaAv();
  const input = join(dir, name);
  writeFileSync(input, bytes);
  const video = (await probeMedia(av, input))!.video!;
  expect(video.fps).toBe(60);
  const output = join(dir, `${name}.mp4`);
  const { decodedFrames } = await convertVideo(av, { input, output, video, hasAudio: false, durationSec: 2, maxBytes: 20_000_000, threads: 2 });
  const probe = (await probeMedia(av, output))!;
  return { decodedFrames, durationSec: probe.durationSec!, output: { ...(await framesOf(output)), fps: probe.video!.fps } };
}

/** The output's frames, and how many differ from every other (a repeated frame is a stutter). */
async function framesOf(path: string): Promise<{ frames: number; distinct: number }> {
  const av = await mediaAv();
  const input = await av.Demuxer.open(path);
  const decoder = await av.Decoder.create(input.video()!);
  const hashes: string[] = [];
  const take = (frames: import('node-av').Frame[]) => {
    for (const frame of frames) {
      hashes.push(createHash('sha1').update(frame.toBuffer()).digest('hex'));
      frame.free();
    }
  };
  try {
    for await (const packet of input.packets()) {
      if (!packet) break;
      if (packet.streamIndex === decoder.getStream().index) take(await decoder.decodeAll(packet));
      packet.free();
    }
    take(await decoder.decodeAll(null));
  } finally {
    decoder.close();
    await input.close();
  }
  return { frames: hashes.length, distinct: new Set(hashes).size };
}
