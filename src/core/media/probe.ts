/**
 * What a media file is, read by FFmpeg: container, duration, the picture's stored and displayed
 * size (a phone's portrait clip is stored landscape with a rotation flag), codecs, frame rate and
 * audio streams. Undefined when FFmpeg cannot open the file at all.
 */
import type { Demuxer, Stream } from 'node-av';
import type { NodeAv } from './binding.js';

export interface ProbedVideo {
  codec: string;
  /** As stored. */
  width: number;
  height: number;
  /** Degrees clockwise the picture must be turned to be shown upright: 0, 90, 180 or 270. */
  rotation: number;
  /** As shown, after the rotation. */
  displayWidth: number;
  displayHeight: number;
  fps?: number;
  /** Frames the container counts, when it says (1 for a still image). */
  frames?: number;
}

export interface ProbedAudio {
  codec: string;
  sampleRate?: number;
  channels?: number;
}

export interface MediaProbe {
  /** FFmpeg's demuxer name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`, `matroska,webm`, `gif`. */
  container: string;
  /** Seconds; undefined when the container does not say (a still image). */
  durationSec?: number;
  video?: ProbedVideo;
  audio?: ProbedAudio;
  audioStreams: number;
}

export async function probeMedia(av: NodeAv, input: string | Buffer, signal?: AbortSignal): Promise<MediaProbe | undefined> {
  let demuxer: Demuxer;
  try {
    demuxer = await av.Demuxer.open(input, signal ? { signal } : {});
  } catch {
    return undefined;
  }
  try {
    const video = demuxer.video();
    const audios = demuxer.streams.filter((s) => s.codecpar.codecType === av.AVMEDIA_TYPE_AUDIO);
    const audio = demuxer.audio();
    const duration = demuxer.duration;
    return {
      container: demuxer.formatName,
      ...(Number.isFinite(duration) && duration > 0 ? { durationSec: duration } : {}),
      ...(video ? { video: describeVideo(av, video) } : {}),
      ...(audio ? { audio: { codec: codecName(av, audio.codecpar.codecId), ...(audio.codecpar.sampleRate ? { sampleRate: audio.codecpar.sampleRate } : {}), ...(audio.codecpar.channels ? { channels: audio.codecpar.channels } : {}) } } : {}),
      audioStreams: audios.length,
    };
  } finally {
    await demuxer.close().catch(() => undefined);
  }
}

function describeVideo(av: NodeAv, stream: Stream): ProbedVideo {
  const { width, height } = stream.codecpar;
  const rotation = rotationOf(stream.codecpar.getCodedSideData(av.AV_PKT_DATA_DISPLAYMATRIX));
  const sideways = rotation === 90 || rotation === 270;
  const rate = stream.avgFrameRate.den > 0 && stream.avgFrameRate.num > 0 ? stream.avgFrameRate : stream.rFrameRate;
  const fps = rate.den > 0 && rate.num > 0 ? rate.num / rate.den : undefined;
  const frames = Number(stream.nbFrames);
  return {
    codec: codecName(av, stream.codecpar.codecId),
    width,
    height,
    rotation,
    displayWidth: sideways ? height : width,
    displayHeight: sideways ? width : height,
    ...(fps !== undefined && Number.isFinite(fps) ? { fps } : {}),
    ...(frames > 0 ? { frames } : {}),
  };
}

/**
 * FFmpeg's display matrix (3×3, 16.16 fixed point) -> clockwise degrees, as the ffmpeg tool
 * computes it for autorotation (-av_display_rotation_get, rounded to a quarter turn).
 */
export function rotationOf(matrix: Buffer | null): number {
  if (!matrix || matrix.byteLength < 36) return 0;
  const a = matrix.readInt32LE(0);
  const b = matrix.readInt32LE(4);
  if (a === 0 && b === 0) return 0;
  // av_display_rotation_get is -atan2(b, a); the ffmpeg tool turns the picture by its negation.
  const clockwise = Math.round((Math.atan2(b, a) * 180) / Math.PI / 90) * 90;
  return ((clockwise % 360) + 360) % 360;
}

function codecName(av: NodeAv, id: number): string {
  return av.Codec.findDecoder(id as never)?.name ?? 'unknown';
}
