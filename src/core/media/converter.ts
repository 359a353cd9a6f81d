/**
 * What the references step uses of FFmpeg: probe files, and convert one file into another in a
 * bounded pool with a time limit per file. The files are the caller's (the request's temporary
 * directory, references/prepare.ts). Whether it is available at all depends on the binding
 * loading (see binding.ts); when it does not, nothing is converted.
 */
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import type { Logger } from '../log.js';
import { loadMediaBinding, type MediaBinding, type NodeAv } from './binding.js';
import { convertAudio } from './convert-audio.js';
import { convertImage, type ConvertedImage } from './convert-image.js';
import { convertVideo, type VideoTarget } from './convert-video.js';
import { routeFfmpegLog } from './ffmpeg-log.js';
import { ConversionPool } from './pool.js';
import { probeMedia, type MediaProbe, type ProbedVideo } from './probe.js';

export interface MediaConverter {
  /** Why conversion is off, or undefined when it is on. Loads the binding on first call. */
  unavailable(): Promise<string | undefined>;
  /** A file's path, or bytes in memory (small ones: FFmpeg reads them from memory). */
  probe(input: string | Uint8Array, signal?: AbortSignal): Promise<MediaProbe | undefined>;
  /** `input` -> `output` (an MP4). */
  video(input: string, output: string, job: { video: ProbedVideo; hasAudio: boolean; durationSec: number; maxSec?: number; maxBytes: number }, signal?: AbortSignal): Promise<VideoTarget & { decodedFrames: number }>;
  /** `input` -> `output` (an MP3). */
  audio(input: string, output: string, job: { maxSec?: number }, signal?: AbortSignal): Promise<void>;
  /** `input` -> `output` (PNG or JPEG, as `format` says). */
  image(input: string, output: string, job: { maxBytes: number; lossless: boolean }, signal?: AbortSignal): Promise<Omit<ConvertedImage, 'bytes'> & { size: number }>;
  close(): void;
}

export interface ConverterOptions {
  binding?: () => Promise<MediaBinding>;
  /** Conversions at once (each uses FFmpeg's threads too). */
  concurrency?: number;
  /** Per file. */
  timeoutMs?: number;
  /** Where FFmpeg's warnings and errors go (see ffmpeg-log.ts); without one only its errors print, on stderr. */
  log?: Logger;
}

export const DEFAULT_CONVERSIONS_AT_ONCE = 2;
export const DEFAULT_CONVERSION_TIMEOUT_MS = 120_000;

export function createMediaConverter(options: ConverterOptions = {}): MediaConverter {
  const concurrency = options.concurrency ?? DEFAULT_CONVERSIONS_AT_ONCE;
  // The cores shared out between the conversions that may run at once, so that they do not
  // crowd out the thread that answers Discord and Slack (FFmpeg's default is more threads than cores).
  const threads = Math.max(1, Math.floor(availableParallelism() / concurrency));
  const pool = new ConversionPool(concurrency, options.timeoutMs ?? DEFAULT_CONVERSION_TIMEOUT_MS);
  let binding: Promise<MediaBinding> | undefined;
  const load = () =>
    (binding ??= (options.binding ?? (() => loadMediaBinding()))().then((loaded) => {
      // FFmpeg's own chatter would go to stderr beside the bot's JSON log.
      if (loaded.available && options.log) routeFfmpegLog(loaded.av, options.log);
      else if (loaded.available) loaded.av.Log.setLevel(loaded.av.AV_LOG_ERROR);
      return loaded;
    }));
  const av = async (): Promise<NodeAv> => {
    const loaded = await load();
    if (!loaded.available) throw new Error(loaded.reason);
    return loaded.av;
  };
  /** `work` in the pool, once its turn comes. */
  const inPool = <T>(work: (av: NodeAv, signal: AbortSignal) => Promise<T>, signal?: AbortSignal) => pool.run(async (limited) => work(await av(), limited), signal);

  return {
    async unavailable() {
      const loaded = await load();
      return loaded.available ? undefined : loaded.reason;
    },
    async probe(input, signal) {
      const ffmpeg = await av();
      return probeMedia(ffmpeg, typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength), signal);
    },
    video: (input, output, job, signal) => inPool((ffmpeg, limited) => convertVideo(ffmpeg, { input, output, ...job, threads, signal: limited }), signal),
    audio: (input, output, job, signal) => inPool((ffmpeg, limited) => convertAudio(ffmpeg, { input, output, ...(job.maxSec !== undefined ? { maxSec: job.maxSec } : {}), signal: limited }), signal),
    image: (input, output, job, signal) =>
      inPool(async (ffmpeg, limited) => {
        const { bytes, ...converted } = await convertImage(ffmpeg, { input, ...job, signal: limited });
        await writeFile(output, bytes);
        return { ...converted, size: bytes.byteLength };
      }, signal),
    // Nothing of its own to free: the files are the callers' (the temporary directory: temp-files.ts).
    close() {},
  };
}
