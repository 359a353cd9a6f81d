/**
 * What the references step uses of FFmpeg: probe bytes, and convert them in a bounded pool with a
 * time limit per file, through temporary files that are always removed. Whether it is available
 * at all depends on the binding loading (see binding.ts); when it does not, nothing is converted.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { loadMediaBinding, type MediaBinding, type NodeAv } from './binding.js';
import { convertAudio } from './convert-audio.js';
import { convertImage, type ConvertedImage } from './convert-image.js';
import { convertVideo, type VideoTarget } from './convert-video.js';
import { routeFfmpegLog } from './ffmpeg-log.js';
import { ConversionPool } from './pool.js';
import { probeMedia, type MediaProbe, type ProbedVideo } from './probe.js';
import { TempFiles } from './temp-files.js';

export interface MediaConverter {
  /** Why conversion is off, or undefined when it is on. Loads the binding on first call. */
  unavailable(): Promise<string | undefined>;
  probe(bytes: Uint8Array, signal?: AbortSignal): Promise<MediaProbe | undefined>;
  video(bytes: Uint8Array, job: { video: ProbedVideo; hasAudio: boolean; durationSec: number; maxSec?: number; maxBytes: number }, signal?: AbortSignal): Promise<{ bytes: Uint8Array } & VideoTarget>;
  audio(bytes: Uint8Array, job: { maxSec?: number }, signal?: AbortSignal): Promise<Uint8Array>;
  image(bytes: Uint8Array, job: { maxBytes: number; lossless: boolean }, signal?: AbortSignal): Promise<Omit<ConvertedImage, 'bytes'> & { bytes: Uint8Array }>;
  close(): void;
}

export interface ConverterOptions {
  binding?: () => Promise<MediaBinding>;
  /** Conversions at once (each uses FFmpeg's threads too). */
  concurrency?: number;
  /** Per file. */
  timeoutMs?: number;
  tempRoot?: string;
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
  let temp: TempFiles | undefined;
  let binding: Promise<MediaBinding> | undefined;
  const load = () =>
    (binding ??= (options.binding ?? (() => loadMediaBinding()))().then((loaded) => {
      // FFmpeg's own chatter would go to stderr beside the bot's JSON log.
      if (loaded.available && options.log) routeFfmpegLog(loaded.av, options.log);
      else if (loaded.available) loaded.av.Log.setLevel(loaded.av.AV_LOG_ERROR);
      // The temporary directory now, so that one left by a crashed process is swept at start-up.
      if (loaded.available) temp ??= new TempFiles(options.tempRoot);
      return loaded;
    }));
  const av = async (): Promise<NodeAv> => {
    const loaded = await load();
    if (!loaded.available) throw new Error(loaded.reason);
    return loaded.av;
  };
  /** `work` on the input written to a fresh temporary directory, in the pool. */
  const withFiles = <T>(bytes: Uint8Array, extension: string, work: (av: NodeAv, input: string, dir: string, signal: AbortSignal) => Promise<T>, signal?: AbortSignal) =>
    pool.run(async (limited) => {
      const ffmpeg = await av();
      temp ??= new TempFiles(options.tempRoot);
      return temp.within(async (dir) => {
        const input = join(dir, `input.${extension}`);
        await writeFile(input, bytes);
        return work(ffmpeg, input, dir, limited);
      });
    }, signal);

  return {
    async unavailable() {
      const loaded = await load();
      return loaded.available ? undefined : loaded.reason;
    },
    async probe(bytes, signal) {
      const ffmpeg = await av();
      return probeMedia(ffmpeg, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), signal);
    },
    video: (bytes, job, signal) =>
      withFiles(bytes, 'bin', async (ffmpeg, input, dir, limited) => {
        const output = join(dir, 'output.mp4');
        const target = await convertVideo(ffmpeg, { input, output, ...job, threads, signal: limited });
        return { bytes: new Uint8Array(await readFile(output)), ...target };
      }, signal),
    audio: (bytes, job, signal) =>
      withFiles(bytes, 'bin', async (ffmpeg, input, dir, limited) => {
        const output = join(dir, 'output.mp3');
        await convertAudio(ffmpeg, { input, output, ...(job.maxSec !== undefined ? { maxSec: job.maxSec } : {}), signal: limited });
        return new Uint8Array(await readFile(output));
      }, signal),
    image: (bytes, job, signal) =>
      withFiles(bytes, 'bin', async (ffmpeg, input, _dir, limited) => {
        const converted = await convertImage(ffmpeg, { input, ...job, signal: limited });
        return { ...converted, bytes: new Uint8Array(converted.bytes) };
      }, signal),
    close() {
      temp?.close();
      temp = undefined;
    },
  };
}
