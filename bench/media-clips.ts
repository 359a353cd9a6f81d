/** The clips the media benchmarks convert, made once with node-av and kept under the temp dir. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeMedia } from '../test/helpers/media-fixtures.js';

const DIR = join(tmpdir(), 'seedance-bench-media');

export const BENCH_CLIPS = {
  /** 10 s of 1080p H.264 MP4 at 30 fps with AAC sound. */
  h264_1080p: () => clip('h264-1080p-10s.mp4', { format: 'mp4', seconds: 10, video: { codec: 'libx264', width: 1920, height: 1080, fps: 30, bitrate: 8_000_000, options: { preset: 'veryfast' } }, audio: { codec: 'aac', frameSize: 1024 } }),
  /** 10 s of 2160p HEVC MOV at 30 fps, stored landscape with a 90° flag (portrait, as phones write), AAC sound. */
  hevc_2160p: () => clip('hevc-2160p-10s.mov', { format: 'mov', seconds: 10, video: { codec: 'libx265', width: 3840, height: 2160, fps: 30, rotate: 90, bitrate: 20_000_000, options: { preset: 'ultrafast', 'x265-params': 'log-level=none' } }, audio: { codec: 'aac', frameSize: 1024 } }),
  /**
   * The same at 60 fps and 40 Mbit/s (a phone's 4K60 setting). x265 writes two temporal layers, so
   * every other frame is unreferenced and the conversion skips decoding it; a phone encoder that
   * does not makes the conversion decode every frame.
   */
  hevc_2160p60: () => clip('hevc-2160p60-10s.mov', { format: 'mov', seconds: 10, video: { codec: 'libx265', width: 3840, height: 2160, fps: 60, rotate: 90, bitrate: 40_000_000, options: { preset: 'ultrafast', 'x265-params': 'log-level=none' } }, audio: { codec: 'aac', frameSize: 1024 } }),
};

async function clip(name: string, spec: Parameters<typeof makeMedia>[0]): Promise<Uint8Array> {
  mkdirSync(DIR, { recursive: true });
  const path = join(DIR, name);
  if (existsSync(path)) return new Uint8Array(readFileSync(path));
  process.stderr.write(`making ${name} (once)...\n`);
  const bytes = await makeMedia(spec);
  writeFileSync(path, bytes);
  return bytes;
}
