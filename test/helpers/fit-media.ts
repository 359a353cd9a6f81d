/**
 * Makes and probes real MP4s with FFmpeg (node-av) at test and benchmark time, so no large
 * fixture is committed: a moving test pattern (with noise to make it hard to compress, when a
 * big file is wanted) and a sine tone, encoded H.264 + AAC at the bitrate asked for.
 */
import { AV_CODEC_ID_AAC, AV_CODEC_ID_H264, Decoder, Demuxer, Encoder, FF_ENCODER_AAC, FF_ENCODER_LIBX264, Muxer, pipeline } from 'node-av';
import { ensurePromiseWithResolvers } from '../../src/core/media/binding.js';

ensurePromiseWithResolvers();

export interface TestVideo {
  width: number;
  height: number;
  seconds: number;
  fps?: number;
  /** Video bits per second; the size is about (this + 128k) × seconds / 8. */
  videoBitrate: number;
  /** Grain strength 0–100 (0: a clean pattern). */
  noise?: number;
  audio?: boolean;
}

export async function makeTestVideo(path: string, spec: TestVideo): Promise<void> {
  const fps = spec.fps ?? 30;
  const grain = spec.noise ? `,noise=alls=${spec.noise}:allf=t+u` : '';
  const graph = [
    `testsrc2=size=${spec.width}x${spec.height}:rate=${fps}:duration=${spec.seconds}${grain},format=yuv420p[out0]`,
    ...(spec.audio === false ? [] : [`sine=frequency=440:sample_rate=48000:duration=${spec.seconds},aformat=channel_layouts=stereo[out1]`]),
  ].join(';');
  await using input = await Demuxer.open(graph, { format: 'lavfi' });
  const videoStream = input.video()!;
  const audioStream = input.audio();
  using videoDecoder = await Decoder.create(videoStream);
  using videoEncoder = await Encoder.create(FF_ENCODER_LIBX264, {
    decoder: videoDecoder,
    context: { bitRate: spec.videoBitrate, rcMaxRate: spec.videoBitrate, rcBufferSize: spec.videoBitrate, gopSize: fps * 2 },
    options: { preset: 'ultrafast' },
  });
  await using output = await Muxer.open(path, { format: 'mp4', options: { movflags: '+faststart' } });
  if (audioStream) {
    using audioDecoder = await Decoder.create(audioStream);
    using audioEncoder = await Encoder.create(FF_ENCODER_AAC, { decoder: audioDecoder, context: { bitRate: 128_000 }, autoResample: true });
    await pipeline(input, { video: [videoDecoder, videoEncoder], audio: [audioDecoder, audioEncoder] }, output).completion;
  } else {
    await pipeline(input, { video: [videoDecoder, videoEncoder] }, output).completion;
  }
}

export interface Probed {
  format: string;
  durationSec: number;
  video?: { codec: string; width: number; height: number };
  audio?: { codec: string };
  /** True when the moov atom comes before mdat (+faststart). */
  fastStart: boolean;
}

export async function probeVideo(path: string, bytes?: Uint8Array): Promise<Probed> {
  await using input = await Demuxer.open(bytes ? Buffer.from(bytes) : path);
  const video = input.video();
  const audio = input.audio();
  const { readFile } = await import('node:fs/promises');
  const head = bytes ? Buffer.from(bytes) : await readFile(path);
  const moov = head.indexOf('moov');
  const mdat = head.indexOf('mdat');
  return {
    format: input.formatName,
    durationSec: input.duration,
    ...(video ? { video: { codec: codecName(video.codecpar.codecId), width: video.codecpar.width, height: video.codecpar.height } } : {}),
    ...(audio ? { audio: { codec: codecName(audio.codecpar.codecId) } } : {}),
    fastStart: moov >= 0 && mdat >= 0 && moov < mdat,
  };
}

function codecName(id: number): string {
  return id === AV_CODEC_ID_H264 ? 'h264' : id === AV_CODEC_ID_AAC ? 'aac' : `codec#${id}`;
}
