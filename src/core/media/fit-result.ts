/**
 * Re-encodes a finished video that is larger than the thread accepts: H.264 + AAC in MP4 with
 * the index first (+faststart, so it plays while it loads), the bitrate from the duration and the
 * limit, the audio, aspect ratio and full duration kept, the resolution lowered only as far as
 * fit-plan.ts says and never below 480p. A bounded number run at once (x264 already uses every
 * core), each within a time limit; the output is checked (size, duration, streams) before it is
 * trusted, and one overshoot is re-encoded once at a lower bitrate.
 */
import { stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { loadMediaBinding, type MediaBinding, type NodeAv } from './binding.js';
import { planFit, type FitPlan } from './fit-plan.js';
import { transcode } from './transcode.js';

export type FitErrorCode = 'fit.unavailable' | 'fit.unreadable' | 'fit.too_small' | 'fit.timeout' | 'fit.failed';

/** Why a video could not be fitted; the delivery then posts a link instead. */
export class FitError extends Error {
  constructor(
    readonly code: FitErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FitError';
  }
}

export interface FittedVideo {
  path: string;
  bytes: number;
  width: number;
  height: number;
  durationSec: number;
  source: { width: number; height: number; durationSec: number };
}

export interface FitRequest {
  input: string;
  /** The fitted file is written here (the caller owns and removes the directory). */
  outputDir: string;
  targetBytes: number;
  signal?: AbortSignal;
}

export interface ResultFitter {
  /** False when FFmpeg could not load here: nothing will fit, so nothing is worth downloading for it. */
  ready?(): Promise<boolean>;
  fit(request: FitRequest): Promise<FittedVideo>;
}

export interface ResultFitterOptions {
  /** Fits at once in this process; more wait their turn. Default 1. */
  concurrency?: number;
  /** Per fit, waiting excluded. Default 5 minutes. */
  timeoutMs?: number;
  /** x264 preset; default by picture rate (see presetFor), to stay near real time on 2 cores. */
  preset?: string;
  binding?: () => Promise<MediaBinding>;
}

/** Output duration may differ from the source by this much (the last frame, AAC priming). */
const DURATION_SLACK_SEC = 0.5;

export function createResultFitter(options: ResultFitterOptions = {}): ResultFitter {
  const turns = new Turns(options.concurrency ?? 1);
  const timeoutMs = options.timeoutMs ?? 5 * 60_000;
  const binding = options.binding ?? (() => loadMediaBinding());
  return {
    ready: async () => (await binding()).available,
    async fit(request) {
      const loaded = await binding();
      if (!loaded.available) throw new FitError('fit.unavailable', `video re-encoding is off: ${loaded.reason}`);
      return turns.run(request.signal, async () => {
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
        return fitWith(loaded.av, request, signal, options.preset);
      });
    },
  };
}

async function fitWith(av: NodeAv, request: FitRequest, signal: AbortSignal, chosenPreset: string | undefined): Promise<FittedVideo> {
  const source = await inspect(av, request.input);
  const planned = planFit(source, request.targetBytes);
  if (!planned.ok) {
    throw planned.reason === 'too_small'
      ? new FitError('fit.too_small', `a ${source.durationSec.toFixed(1)} s video cannot fit in ${request.targetBytes} bytes at 480p or more`)
      : new FitError('fit.unreadable', 'the video has no usable duration or picture size');
  }
  let plan = planned.plan;
  const preset = chosenPreset ?? presetFor(plan.width * plan.height * (source.fps || 30));
  for (let pass = 1; ; pass++) {
    const path = join(request.outputDir, `fitted-${pass}.mp4`);
    await encode(av, request.input, path, plan, source.hasAudio, signal, preset);
    const bytes = (await stat(path)).size;
    const out = await inspect(av, path).catch(() => undefined);
    if (!out || Math.abs(out.durationSec - source.durationSec) > DURATION_SLACK_SEC || (source.hasAudio && !out.hasAudio)) {
      throw new FitError('fit.failed', 'the re-encoded video did not keep the whole video and its sound');
    }
    if (bytes <= request.targetBytes) {
      return { path, bytes, width: out.width, height: out.height, durationSec: out.durationSec, source: { width: source.width, height: source.height, durationSec: source.durationSec } };
    }
    if (pass >= 2) throw new FitError('fit.too_small', `the re-encoded video is still ${bytes} bytes, over ${request.targetBytes}`);
    // x264 overshot its average: once more, lower by the overshoot and a little more.
    plan = { ...plan, videoBitrate: Math.floor(plan.videoBitrate * (request.targetBytes / bytes) * 0.92) };
  }
}

interface Inspected {
  durationSec: number;
  width: number;
  height: number;
  fps: number;
  hasAudio: boolean;
}

async function inspect(av: NodeAv, path: string): Promise<Inspected> {
  let input;
  try {
    input = await av.Demuxer.open(path);
  } catch {
    throw new FitError('fit.unreadable', 'the video could not be opened');
  }
  try {
    const video = input.video();
    if (!video) throw new FitError('fit.unreadable', 'the file has no video stream');
    const rate = video.avgFrameRate.den > 0 ? video.avgFrameRate.num / video.avgFrameRate.den : 0;
    return { durationSec: input.duration, width: video.codecpar.width, height: video.codecpar.height, fps: rate, hasAudio: input.audio() !== undefined };
  } finally {
    await input.close();
  }
}

async function encode(av: NodeAv, inputPath: string, outputPath: string, plan: FitPlan, withAudio: boolean, signal: AbortSignal, preset: string): Promise<void> {
  try {
    await transcode(av, {
      input: inputPath,
      output: outputPath,
      format: 'mp4',
      muxerOptions: { movflags: '+faststart' },
      signal,
      video: {
        filter: `scale=${plan.width}:${plan.height}:flags=bicubic,format=yuv420p,setsar=1`,
        encoder: 'libx264',
        bitrate: plan.videoBitrate,
        maxRate: Math.floor(plan.videoBitrate * 1.5),
        bufSize: plan.videoBitrate * 2,
        threads: availableParallelism(),
        options: { preset, profile: 'high' },
      },
      ...(withAudio ? { audio: { filter: 'aformat=sample_fmts=fltp,asetnsamples=n=1024:p=0', encoder: 'aac', bitrate: plan.audioBitrate } } : {}),
    });
  } catch (error) {
    if (signal.aborted) throw abortError(signal);
    throw new FitError('fit.failed', `re-encoding failed: ${error instanceof Error ? error.message : String(error)}`.slice(0, 300));
  }
}

/**
 * Measured on this 2-core machine under load, a 15 s 1080p30 fit took 13 s at ultrafast, 34 s at
 * superfast and 55 s at veryfast: above ~30 Mpixel/s only ultrafast keeps up with real time.
 */
export function presetFor(pixelsPerSecond: number): string {
  return pixelsPerSecond > 30_000_000 ? 'ultrafast' : pixelsPerSecond > 12_000_000 ? 'superfast' : 'veryfast';
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.name === 'TimeoutError') return new FitError('fit.timeout', 're-encoding took longer than its time limit');
  return reason instanceof Error ? reason : new Error('re-encoding was stopped');
}

/** At most `limit` sections at once; the others wait in order (or leave when their signal aborts). */
class Turns {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(signal: AbortSignal | undefined, section: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) {
      await new Promise<void>((resolve, reject) => {
        const go = () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        };
        const leave = () => {
          const at = this.waiting.indexOf(go);
          if (at >= 0) this.waiting.splice(at, 1);
          reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        };
        signal?.addEventListener('abort', leave, { once: true });
        this.waiting.push(go);
      });
    } else this.running++;
    try {
      return await section();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
