/**
 * One pass of FFmpeg: demux a file, decode, filter and encode its best video and audio streams,
 * mux into another file, on a worker thread of its own (transcode-worker.mjs), started per
 * conversion and gone with it: the event loop that answers Discord and Slack runs no step of it,
 * and the worker's blocking calls skip the thread-pool trip and promise that node-av's async calls
 * cost per packet and frame (about 40% of a conversion's CPU). A stop (the caller's signal, the
 * time limit) is seen by the worker between two packets; one that does not end soon is terminated.
 */
import { Worker } from 'node:worker_threads';
import type { NodeAv } from './binding.js';

export interface TrackPlan {
  /** An FFmpeg filter chain, e.g. `transpose=clock,scale=720:1280,format=yuv420p`. */
  filter: string;
  encoder: string;
  bitrate?: number;
  /** Encoder-private options (libx264's preset, crf...). */
  options?: Record<string, string | number>;
  maxRate?: number;
  bufSize?: number;
  gopSize?: number;
  /** Decoder-private options (e.g. skip_frame). */
  decoderOptions?: Record<string, string | number>;
  /** Decoder context fields (e.g. skipLoopFilter, threadType). */
  decoderContext?: Record<string, number>;
  /** Threads for the filter graph's slice-threaded filters (scale, transpose); default = `threads`. */
  filterThreads?: number;
  /** Threads for the decoder and the encoder each; 0 lets FFmpeg pick (one per core and more). */
  threads?: number;
  /** The decoder's own (frame) threads, instead of `threads`: each one holds frames of its own. */
  decoderThreads?: number;
  /** The encoder's own threads, instead of `threads`. */
  encoderThreads?: number;
  /**
   * Video: the conversion stops with UnevenFramesError when two decoded frames are further apart
   * than this, the check on frames skipped by the decoder (decoderOptions skip_frame).
   */
  maxFrameGapSec?: number;
}

export interface TranscodePlan {
  input: string;
  output: string;
  /** Muxer name: mp4, mp3, wav. */
  format: string;
  video?: TrackPlan;
  audio?: TrackPlan;
  /** Stop after this many seconds of the input. */
  maxSec?: number;
  muxerOptions?: Record<string, string>;
  signal?: AbortSignal;
}


export interface WorkerInput {
  plan: Omit<TranscodePlan, 'signal'>;
  /** An Int32Array's buffer: set to 1 to stop between two packets. */
  stop: SharedArrayBuffer;
}

export type WorkerOutput = { ok: true; decodedVideoFrames: number } | { ok: false; stopped: boolean; uneven: boolean; message: string };

export interface TranscodeResult {
  /** Video frames the decoder gave (within maxSec). */
  decodedVideoFrames: number;
}

/** The video's decoded frames were further apart than TrackPlan.maxFrameGapSec allows. */
export class UnevenFramesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnevenFramesError';
  }
}

/** How long a stopped worker may take to close its files before it is terminated. */
const STOP_GRACE_MS = 2_000;
const WORKER_ENTRY = new URL('./transcode-worker.mjs', import.meta.url);
/**
 * The worker's new-object space grows to tens of MB under its stream of short-lived frame and
 * packet wrappers; a small one is swept more often for the same CPU and ~6 MB less peak RSS.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4 };

/** Runs `plan` on a fresh worker thread; `_av` (the loaded binding) says FFmpeg is there to use. */
export async function transcode(_av: NodeAv, plan: TranscodePlan): Promise<TranscodeResult> {
  const { signal, ...rest } = plan;
  signal?.throwIfAborted();
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(WORKER_ENTRY, { workerData: { plan: rest, stop } satisfies WorkerInput, resourceLimits: WORKER_LIMITS });
  let grace: NodeJS.Timeout | undefined;
  const onAbort = () => {
    Atomics.store(new Int32Array(stop), 0, 1);
    grace = setTimeout(() => void worker.terminate(), STOP_GRACE_MS);
    grace.unref();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const output = await new Promise<WorkerOutput | undefined>((resolve, reject) => {
      worker.once('message', (message: WorkerOutput) => resolve(message));
      worker.once('error', reject);
      worker.once('exit', () => resolve(undefined));
    });
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('conversion stopped');
    if (!output) throw new Error('the conversion worker ended without a result');
    if (!output.ok) throw output.uneven ? new UnevenFramesError(output.message) : new Error(output.message);
    return { decodedVideoFrames: output.decodedVideoFrames };
  } finally {
    signal?.removeEventListener('abort', onAbort);
    clearTimeout(grace);
    await worker.terminate().catch(() => undefined);
  }
}
