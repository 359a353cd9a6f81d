/**
 * Any video FFmpeg decodes -> H.264 MP4 that Seedance takes: turned upright (phones store portrait
 * clips landscape with a rotation flag), scaled so its short side is in 480–720 keeping the aspect
 * ratio, at most 30 frames a second, a bitrate that keeps it under its share of the size cap, the
 * audio kept as AAC, cut after `maxSec`.
 */
import type { NodeAv } from './binding.js';
import type { ProbedVideo } from './probe.js';
import { transcode, UnevenFramesError, type TranscodePlan, type TranscodeResult } from './transcode.js';

/** The short side Seedance's reference videos may have ("about 480p to 720p"). */
export const VIDEO_SHORT_SIDE = { min: 480, max: 720 } as const;
export const MAX_REFERENCE_FPS = 30;
/** What a 720p reference needs to look right; lower when the size cap asks for it. */
const TARGET_BITS_PER_SECOND = 2_500_000;
const AUDIO_BITS_PER_SECOND = 128_000;

export interface VideoTarget {
  width: number;
  height: number;
  fps?: number;
}

/** The displayed size moved into range (never changing the aspect ratio), even numbers for H.264. */
export function targetVideoSize(video: Pick<ProbedVideo, 'displayWidth' | 'displayHeight' | 'fps'>): VideoTarget {
  const short = Math.min(video.displayWidth, video.displayHeight);
  const scale = short > VIDEO_SHORT_SIDE.max ? VIDEO_SHORT_SIDE.max / short : short < VIDEO_SHORT_SIDE.min ? VIDEO_SHORT_SIDE.min / short : 1;
  const even = (n: number) => Math.max(2, Math.round((n * scale) / 2) * 2);
  return {
    width: even(video.displayWidth),
    height: even(video.displayHeight),
    ...(video.fps !== undefined && video.fps > MAX_REFERENCE_FPS + 0.5 ? { fps: MAX_REFERENCE_FPS } : {}),
  };
}

/** Whether the picture alone is what Seedance takes (the container and size are checked apart). */
export function videoInRange(video: Pick<ProbedVideo, 'displayWidth' | 'displayHeight'>): boolean {
  const short = Math.min(video.displayWidth, video.displayHeight);
  return short >= VIDEO_SHORT_SIDE.min && short <= VIDEO_SHORT_SIDE.max;
}

const UPRIGHT: Readonly<Record<number, string | undefined>> = { 90: 'transpose=clock', 180: 'hflip,vflip', 270: 'transpose=cclock' };

/**
 * Frames dropped first and the picture scaled (in its stored orientation) before it is turned:
 * each step then handles the fewest pixels (turning a 4K frame costs ~9x turning the 720p one).
 */
export function videoFilter(video: Pick<ProbedVideo, 'rotation'>, target: VideoTarget): string {
  const sideways = video.rotation === 90 || video.rotation === 270;
  const [width, height] = sideways ? [target.height, target.width] : [target.width, target.height];
  return [target.fps ? `fps=${target.fps}` : undefined, `scale=${width}:${height}:flags=bilinear`, 'format=yuv420p', UPRIGHT[video.rotation], 'setsar=1'].filter(Boolean).join(',');
}

/**
 * x264's preset by the output's picture rate. A 10 s 1080p clip to 720p30 took 7.7 CPU-s at
 * veryfast and 5.3 at superfast (the file 1.3 -> 3.1 MB at CRF 23, still under the 2.5 Mbit/s
 * ceiling); a smaller picture can afford veryfast's better compression.
 */
export function referencePreset(outputPixelsPerSecond: number): 'superfast' | 'veryfast' {
  return outputPixelsPerSecond > 15_000_000 ? 'superfast' : 'veryfast';
}

/** Above this many decoded pixels a second (1080p30), decoding is the slow step: it gets frame threads. */
const HEAVY_DECODE_PIXELS_PER_SECOND = 1920 * 1080 * 30;

/**
 * The decoder's threads: one where decoding keeps pace with the encoder on the other core (each
 * frame thread holds frames of its own, ~12 MB apiece at 4K), all of `threads` where it does not.
 */
export function decoderThreadsFor(video: Pick<ProbedVideo, 'width' | 'height' | 'fps'>, threads: number): number {
  return video.width * video.height * (video.fps ?? 30) > HEAVY_DECODE_PIXELS_PER_SECOND ? threads : 1;
}

export interface VideoConversion {
  input: string;
  output: string;
  video: ProbedVideo;
  hasAudio: boolean;
  /** Seconds of the input to use (all of it when undefined). */
  maxSec?: number;
  /** Seconds the output will last, for the bitrate. */
  durationSec: number;
  /** The output must stay under this. */
  maxBytes: number;
  /** This conversion's share of the cores (see ConverterOptions): for a heavy source's decoder and the filter. */
  threads?: number;
  signal?: AbortSignal;
}

export async function convertVideo(av: NodeAv, job: VideoConversion): Promise<VideoTarget & { decodedFrames: number }> {
  const target = targetVideoSize(job.video);
  const seconds = Math.max(1, job.durationSec);
  // 85% of the cap for the picture and the audio together leaves room for the container and the
  // encoder's overshoot of its rate.
  const budget = Math.floor((job.maxBytes * 8 * 0.85) / seconds) - (job.hasAudio ? AUDIO_BITS_PER_SECOND : 0);
  const rate = Math.max(200_000, Math.min(TARGET_BITS_PER_SECOND, budget));
  const filter = videoFilter(job.video, target);
  const outputFps = target.fps ?? Math.min(MAX_REFERENCE_FPS, job.video.fps ?? MAX_REFERENCE_FPS);
  const threads = job.threads ?? 1;
  const plan = (skipNonReference: boolean): TranscodePlan => ({
    input: job.input,
    output: job.output,
    format: 'mp4',
    muxerOptions: { movflags: '+faststart' },
    ...(job.maxSec !== undefined ? { maxSec: job.maxSec } : {}),
    ...(job.signal ? { signal: job.signal } : {}),
    video: {
      filter,
      encoder: 'libx264',
      maxRate: rate,
      bufSize: rate * 2,
      gopSize: 2 * (target.fps ?? Math.round(job.video.fps ?? 30)),
      // The encoder has the pool thread the worker hands it (transcode-worker.mjs): one thread is
      // enough, and x264's frame threads would each hold frames of their own.
      filterThreads: threads,
      decoderThreads: decoderThreadsFor(job.video, threads),
      encoderThreads: 1,
      options: { preset: referencePreset(target.width * target.height * outputFps), crf: 23, profile: 'high' },
      ...(skipNonReference ? { decoderOptions: { skip_frame: 'noref' }, maxFrameGapSec: 1.5 / outputFps } : {}),
    },
    ...(job.hasAudio
      ? { audio: { filter: 'aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo,asetnsamples=n=1024:p=0', encoder: 'aac', bitrate: AUDIO_BITS_PER_SECOND } }
      : {}),
  });
  // Over 30 fps the fps filter drops every other frame or more anyway: the decoder skips the
  // frames no other frame refers to (every other one in a 60 fps clip with two temporal layers,
  // as x265 writes them: half the decoding; none where every frame is a reference). Where the
  // skipped ones are not evenly spread the output would stutter: the check stops the conversion
  // and it runs again decoding every frame.
  const skipping = target.fps !== undefined;
  let result: TranscodeResult;
  try {
    result = await transcode(av, plan(skipping));
  } catch (error) {
    if (!(skipping && error instanceof UnevenFramesError)) throw error;
    result = await transcode(av, plan(false));
  }
  return { ...target, decodedFrames: result.decodedVideoFrames };
}
