/**
 * Real media made at test time by node-av itself (FFmpeg's test pattern and a sine tone through
 * real encoders and muxers), so that no large fixture is committed: phone-style HEVC MOV with a
 * rotation flag, WebM, MKV, AVI, GIF, Opus, M4A, FLAC, AVIF, BMP, TIFF... and a probe of the result.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadMediaBinding, type NodeAv } from '../../src/core/media/binding.js';
import { probeMedia, type MediaProbe } from '../../src/core/media/probe.js';

export interface FixtureSpec {
  /** Muxer: mov, mp4, webm, matroska, avi, gif, ogg, ipod (m4a), flac, mp3, wav, avif, image2. */
  format: string;
  seconds?: number;
  video?: { codec: string; width: number; height: number; fps?: number; pixelFormat?: string; rotate?: 90 | 180 | 270; bitrate?: number; options?: Record<string, string | number> };
  audio?: { codec: string; sampleRate?: number; channels?: 1 | 2; frameSize?: number; sampleFormat?: string };
}

export async function mediaAv(): Promise<NodeAv> {
  const binding = await loadMediaBinding();
  if (!binding.available) throw new Error(binding.reason);
  // Encoder banners and muxer notes would fill the test output; real errors still print.
  binding.av.Log.setLevel(binding.av.AV_LOG_ERROR);
  return binding.av;
}

/** Bytes of a file made to `spec`. */
export async function makeMedia(spec: FixtureSpec): Promise<Uint8Array> {
  const av = await mediaAv();
  const dir = mkdtempSync(join(tmpdir(), 'seedance-fixture-'));
  const path = join(dir, `out.${spec.format === 'image2' ? 'bmp' : 'bin'}`);
  try {
    await writeMedia(av, path, spec);
    return new Uint8Array(readFileSync(path));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function writeMedia(av: NodeAv, path: string, spec: FixtureSpec): Promise<void> {
  const seconds = spec.seconds ?? 1;
  const graph = [
    spec.video ? `testsrc2=size=${spec.video.width}x${spec.video.height}:rate=${spec.video.fps ?? 30}:duration=${seconds}[out0]` : undefined,
    spec.audio ? `sine=frequency=440:sample_rate=${spec.audio.sampleRate ?? 48000}:duration=${seconds}[out${spec.video ? 1 : 0}]` : undefined,
  ].filter(Boolean).join(';');
  const source = await av.Demuxer.open(graph, { format: 'lavfi' } as never);
  const muxer = await av.Muxer.open(path, { format: spec.format, ...(spec.format === 'image2' ? { options: { update: 1 } } : {}) } as never);
  const tracks: { index: number; decoder: import('node-av').Decoder; filter: import('node-av').FilterAPI; encoder: import('node-av').Encoder; out: number }[] = [];
  try {
    const video = source.video();
    if (spec.video && video) {
      if (spec.video.rotate) video.codecpar.addCodedSideData(av.AV_PKT_DATA_DISPLAYMATRIX, displayMatrix(spec.video.rotate));
      const encoder = await av.Encoder.create(spec.video.codec as never, { ...(spec.video.bitrate ? { bitrate: spec.video.bitrate } : {}), ...(spec.video.options ? { options: spec.video.options } : {}) } as never);
      tracks.push({ index: video.index, decoder: await av.Decoder.create(video), filter: av.FilterAPI.create(`format=${spec.video.pixelFormat ?? 'yuv420p'}`, {}), encoder, out: muxer.addStream(encoder, spec.video.rotate ? { inputStream: video } : {}) });
    }
    const audio = source.audio();
    if (spec.audio && audio) {
      const chain = [`aformat=sample_fmts=${spec.audio.sampleFormat ?? 'fltp'}:channel_layouts=${spec.audio.channels === 1 ? 'mono' : 'stereo'}`, spec.audio.frameSize ? `asetnsamples=n=${spec.audio.frameSize}:p=0` : undefined].filter(Boolean).join(',');
      const encoder = await av.Encoder.create(spec.audio.codec as never, { bitrate: 96_000 } as never);
      tracks.push({ index: audio.index, decoder: await av.Decoder.create(audio), filter: av.FilterAPI.create(chain, {}), encoder, out: muxer.addStream(encoder) });
    }
    const write = async (track: (typeof tracks)[number], frames: import('node-av').Frame[]) => {
      for (const frame of frames) for (const packet of await track.encoder.encodeAll(frame)) await muxer.writePacket(packet, track.out);
    };
    for (const packet of source.packetsSync()) {
      if (!packet) break;
      const track = tracks.find((t) => t.index === packet.streamIndex);
      if (track) for (const frame of await track.decoder.decodeAll(packet)) await write(track, await track.filter.processAll(frame));
      packet.free();
    }
    for (const track of tracks) {
      for (const frame of await track.decoder.decodeAll(null)) await write(track, await track.filter.processAll(frame));
      await write(track, await track.filter.processAll(null));
      for (const packet of await track.encoder.encodeAll(null)) await muxer.writePacket(packet, track.out);
    }
  } finally {
    for (const track of tracks) {
      track.filter.close();
      track.encoder.close();
      track.decoder.close();
    }
    await muxer.close();
    await source.close();
  }
}

/** A display matrix that shows the stored picture turned `degrees` clockwise (as phones write). */
function displayMatrix(degrees: 90 | 180 | 270): Buffer {
  const one = 1 << 16;
  const [a, b, c, d] = degrees === 90 ? [0, one, -one, 0] : degrees === 180 ? [-one, 0, 0, -one] : [0, -one, one, 0];
  const matrix = Buffer.alloc(36);
  [a, b, 0, c, d, 0, 0, 0, 1 << 30].forEach((value, i) => matrix.writeInt32LE(value, i * 4));
  return matrix;
}

/** What FFmpeg reads in `bytes`. */
export async function probeBytes(bytes: Uint8Array): Promise<MediaProbe | undefined> {
  return probeMedia(await mediaAv(), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** The fixtures the conversion tests use, small and short. */
export const FIXTURES = {
  /** A phone clip: HEVC in MOV, stored 1920×1080 with a 90° flag (portrait), 60 fps, AAC sound. */
  phoneClip: (seconds = 0.5, width = 1312, height = 752) => makeMedia({ format: 'mov', seconds, video: { codec: 'libx265', width, height, fps: 60, rotate: 90, options: { preset: 'ultrafast', 'x265-params': 'log-level=none' } }, audio: { codec: 'aac', frameSize: 1024 } }),
  /** What the model takes as it is: H.264 MP4, 640×480, 2 s. */
  sdMp4: (seconds = 2) => makeMedia({ format: 'mp4', seconds, video: { codec: 'libx264', width: 640, height: 480, options: { preset: 'ultrafast' } } }),
  tinyMp4: () => makeMedia({ format: 'mp4', seconds: 2, video: { codec: 'libx264', width: 320, height: 240, options: { preset: 'ultrafast' } } }),
  webm: () => makeMedia({ format: 'webm', seconds: 2, video: { codec: 'libvpx-vp9', width: 640, height: 360, options: { deadline: 'realtime', 'cpu-used': 8 } }, audio: { codec: 'libopus', frameSize: 960, sampleFormat: 'flt' } }),
  mkv: () => makeMedia({ format: 'matroska', seconds: 2, video: { codec: 'libx264', width: 640, height: 480, options: { preset: 'ultrafast' } } }),
  avi: () => makeMedia({ format: 'avi', seconds: 2, video: { codec: 'mpeg4', width: 640, height: 480 } }),
  gif: (seconds = 2) => makeMedia({ format: 'gif', seconds, video: { codec: 'gif', width: 160, height: 120, fps: 10, pixelFormat: 'rgb8' } }),
  opus: () => makeMedia({ format: 'ogg', seconds: 2, audio: { codec: 'libopus', channels: 1, frameSize: 960, sampleFormat: 'flt' } }),
  m4a: () => makeMedia({ format: 'ipod', seconds: 2, audio: { codec: 'aac', frameSize: 1024 } }),
  flac: () => makeMedia({ format: 'flac', seconds: 2, audio: { codec: 'flac', sampleFormat: 's16', frameSize: 4608 } }),
  webmAudio: () => makeMedia({ format: 'webm', seconds: 2, audio: { codec: 'libopus', frameSize: 960, sampleFormat: 'flt' } }),
  avif: () => makeMedia({ format: 'avif', seconds: 0.04, video: { codec: 'libsvtav1', width: 320, height: 240, fps: 25, options: { preset: 12 } } }),
  bmp: () => makeMedia({ format: 'image2', seconds: 0.04, video: { codec: 'bmp', width: 320, height: 240, fps: 25, pixelFormat: 'bgr24' } }),
  tiff: () => makeMedia({ format: 'image2', seconds: 0.04, video: { codec: 'tiff', width: 320, height: 240, fps: 25, pixelFormat: 'rgb24' } }),
};
