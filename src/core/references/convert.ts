/**
 * References Seedance does not take as they are -> ones it does (src/core/media does the FFmpeg
 * work). `inspect` decides from the probe, once the file is downloaded; `trimPlan` picks the first
 * seconds that fit the model's totals; `applyConversion` converts. Bytes the model already takes,
 * untrimmed, are never touched.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaConverter } from '../media/converter.js';
import { videoInRange } from '../media/convert-video.js';
import type { MediaProbe } from '../media/probe.js';
import type { Problem } from '../result.js';
import { toMB, type ReferenceLimits } from './limits.js';
import type { LoadedMedia } from './load.js';
import type { SniffResult } from './sniff.js';
import type { ReferenceKind } from './types.js';

/** What must be done to a downloaded file before it is a reference. */
export interface ConversionNeed {
  probe: MediaProbe;
  /** How the source is described in the note: `2160p HEVC`, `AVIF`, `Opus`. */
  source: string;
  /** The bytes are not taken as they are (a trim alone does not set this). */
  required: boolean;
  /** PNG rather than JPEG (GIF, BMP, TIFF, PNG sources). */
  lossless?: boolean;
}

const LOSSLESS_PICTURES = new Set(['gif', 'bmp', 'tiff', 'png', 'pal8']);
const STILL_CONTAINERS = /(^|,)(image2|[a-z0-9]+_pipe|gif|webp|apng)(,|$)/;

/** The kind a probed file is, or undefined when it holds nothing Seedance could use. */
export function probedKind(probe: MediaProbe, hint: { sniffed: SniffResult; contentType?: string }): ReferenceKind | undefined {
  const audioWanted = hint.contentType?.toLowerCase().startsWith('audio/') === true;
  if (probe.audio && (audioWanted || !probe.video)) return 'audio';
  if (!probe.video) return undefined;
  if (hint.sniffed.accepted && hint.sniffed.kind === 'image') return 'image';
  const frames = probe.video.frames;
  const still = frames === 1 || probe.durationSec === undefined || (STILL_CONTAINERS.test(probe.container) && probe.container !== 'gif');
  // A GIF is a clip when it moves for at least the shortest reference video; otherwise a picture.
  if (probe.container === 'gif') return (frames ?? 0) > 1 && (probe.durationSec ?? 0) >= 2 ? 'video' : 'image';
  return still ? 'image' : 'video';
}

/** Whether (and how) a downloaded, probed file needs converting. */
export function conversionNeed(kind: ReferenceKind, probe: MediaProbe, size: number, sniffed: SniffResult, limits: ReferenceLimits, audioFromVideo: boolean): ConversionNeed {
  const accepted = sniffed.accepted && sniffed.kind === kind;
  const codec = (name: string | undefined) => CODEC_NAMES[name ?? ''] ?? (name ?? 'unknown').toUpperCase();
  if (kind === 'video') {
    const video = probe.video!;
    const short = Math.min(video.displayWidth, video.displayHeight);
    return {
      probe,
      source: `${short}p ${codec(video.codec)}`,
      required: !accepted || !videoInRange(video) || size >= limits.videos.totalBytesUnder,
    };
  }
  if (kind === 'audio') {
    return { probe, source: codec(probe.audio?.codec), required: !accepted || audioFromVideo || size > limits.audios.maxBytesEach };
  }
  const detected = (sniffed.accepted ? sniffed.format : (sniffed.detected?.extension ?? codec(probe.video?.codec))).toUpperCase();
  const format = FORMAT_NAMES[detected] ?? detected;
  return {
    probe,
    source: format,
    required: !accepted || size > limits.images.maxBytesEach,
    lossless: LOSSLESS_PICTURES.has(probe.video?.codec ?? '') || ['GIF', 'BMP', 'TIFF', 'PNG'].includes(format),
  };
}

const FORMAT_NAMES: Readonly<Record<string, string>> = { TIF: 'TIFF', JPG: 'JPEG' };

const CODEC_NAMES: Readonly<Record<string, string>> = {
  hevc: 'HEVC', h264: 'H.264', libdav1d: 'AV1', av1: 'AV1', vp9: 'VP9', libvpx: 'VP8', vp8: 'VP8', mpeg4: 'MPEG-4', gif: 'GIF',
  opus: 'Opus', aac: 'AAC', flac: 'FLAC', mp3: 'MP3', mp3float: 'MP3', vorbis: 'Vorbis', pcm_s16le: 'WAV',
};

/**
 * The seconds of each video and audio file to use so that each kind fits its total, in upload
 * order: the first files whole, the one that crosses the total cut, a little under it (a cut ends
 * on a frame boundary). Files with nothing left to give are not cut: the limit check refuses them.
 */
export function trimPlan(media: readonly LoadedMedia[], limits: ReferenceLimits): Map<number, number> {
  const cuts = new Map<number, number>();
  const plan = (kind: ReferenceKind, maxTotal: number) => {
    let left = maxTotal;
    for (const m of media.filter((x) => x.kind === kind)) {
      const seconds = m.durationSec ?? 0;
      if (seconds <= left + 1e-9) {
        left -= seconds;
        continue;
      }
      const usable = Math.floor((left - 0.1) * 10) / 10;
      if (usable >= MIN_CUT_SEC) cuts.set(m.position, usable);
      left = 0;
    }
  };
  plan('video', limits.videos.maxSecondsTotal);
  plan('audio', limits.audios.maxSecondsTotal);
  return cuts;
}

/** Less than this of a file is not worth sending: the limit check refuses it instead. */
const MIN_CUT_SEC = 0.5;

export type Converted = { ok: true; media: LoadedMedia } | { ok: false; problem: Problem };

/** Converts (and cuts) one file; the note says what was done, in the person's terms. */
export async function applyConversion(
  converter: MediaConverter,
  media: LoadedMedia & { conversion: ConversionNeed },
  options: { maxSec?: number; maxVideoBytes: number; limits: ReferenceLimits; signal?: AbortSignal; dir: string },
): Promise<Converted> {
  const { conversion } = media;
  const output = (extension: string) => join(options.dir, `${media.position}.converted.${extension}`);
  const started = Date.now();
  try {
    const cut = options.maxSec;
    if (media.kind === 'video') {
      const file = output('mp4');
      const video = await converter.video(
        media.file,
        file,
        { video: conversion.probe.video!, hasAudio: conversion.probe.audio !== undefined, durationSec: Math.min(cut ?? Infinity, media.durationSec ?? 1), maxBytes: options.maxVideoBytes, ...(cut !== undefined ? { maxSec: cut } : {}) },
        options.signal,
      );
      const target = `${Math.min(video.width, video.height)}p H.264`;
      return done(media, await converted(converter, file, options.signal), { kind: 'video', mime: 'video/mp4', extension: 'mp4', format: 'MP4' }, conversion.required ? `${conversion.source} → ${target}` : undefined, cut);
    }
    if (media.kind === 'audio') {
      const file = output('mp3');
      await converter.audio(media.file, file, cut !== undefined ? { maxSec: cut } : {}, options.signal);
      return done(media, await converted(converter, file, options.signal), { kind: 'audio', mime: 'audio/mpeg', extension: 'mp3', format: 'MP3' }, conversion.required ? `${conversion.source} → MP3` : undefined, cut);
    }
    const file = output('image');
    const image = await converter.image(media.file, file, { maxBytes: options.limits.images.maxBytesEach, lossless: conversion.lossless === true }, options.signal);
    const png = image.format === 'PNG';
    return done(media, { file, size: image.size }, { kind: 'image', mime: png ? 'image/png' : 'image/jpeg', extension: png ? 'png' : 'jpg', format: image.format }, `${conversion.source} → ${image.format}`, undefined);
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || /timed? ?out|abort/i.test(error.message)) && options.signal?.aborted !== true;
    return {
      ok: false,
      problem: { code: 'reference.conversion_failed', file: media.name, params: { kind: media.kind, format: conversion.source, reason: timedOut ? 'timeout' : 'undecodable', seconds: Math.round((Date.now() - started) / 1000) } },
    };
  }
}

/** A conversion's output file: its size and how long it plays. */
async function converted(converter: MediaConverter, file: string, signal?: AbortSignal): Promise<{ file: string; size: number; durationSec?: number }> {
  const durationSec = (await converter.probe(file, signal))?.durationSec;
  return { file, size: (await stat(file)).size, ...(durationSec !== undefined ? { durationSec } : {}) };
}

function done(
  media: LoadedMedia,
  result: { file: string; size: number; durationSec?: number },
  as: { kind: ReferenceKind; mime: string; extension: string; format: string },
  converted: string | undefined,
  cut: number | undefined,
): Converted {
  const { file, size, durationSec } = result;
  const notes = [
    converted ? `converted: ${converted}, ${toMB(media.size)} MB → ${toMB(size)} MB` : undefined,
    cut !== undefined ? `used the first ${cut} s` : undefined,
  ].filter(Boolean);
  // The platform's public URL serves the original bytes, not these.
  const { conversion: _done, publicUrl: _original, ...rest } = media;
  return {
    ok: true,
    media: {
      ...rest,
      ...as,
      file,
      size,
      ...(durationSec !== undefined ? { durationSec } : {}),
      ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    },
  };
}
