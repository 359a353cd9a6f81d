/**
 * Attachment -> media: download (once, into a file of the request's temporary directory), sniff
 * the bytes, probe them (with FFmpeg when conversion is on) and say whether they need converting.
 * One problem per bad file. No file is held in memory whole (but see probeWithoutFfmpeg).
 */
import { join } from 'node:path';
import type { MediaConverter } from '../media/converter.js';
import type { Problem } from '../result.js';
import { conversionNeed, probedKind, type ConversionNeed } from './convert.js';
import { downloadAttachment } from './download.js';
import { sharedDownloadGate, type DownloadGate } from './download-gate.js';
import { largestAllowedFileBytes, MB, REFERENCE_LIMITS, toMB, type ReferenceLimits } from './limits.js';
import { mapLimited } from './map-limited.js';
import { probeDurationSec } from './probe.js';
import { readWhole } from './reference-bytes.js';
import { ACCEPTED_FORMATS, sniffFile, type SniffResult } from './sniff.js';
import type { IncomingAttachment, ReferenceKind } from './types.js';

export interface LoadedMedia {
  name: string;
  /** 1-based, among all attachments. */
  position: number;
  kind: ReferenceKind;
  mime: string;
  extension: string;
  /** JPEG, PNG, MP4…, for messages. */
  format: string;
  /** The bytes, in the request's temporary directory (see prepare.ts). */
  file: string;
  size: number;
  durationSec?: number;
  publicUrl?: IncomingAttachment['publicUrl'];
  /** With FFmpeg on: what it found, and whether the file must be converted (prepare does it, once the cuts are known). */
  conversion?: ConversionNeed;
  /** What was done to the file: `converted: 2160p HEVC → 720p H.264, 48 MB → 6 MB; used the first 9.5 s`. */
  note?: string;
}

export type LoadOutcome =
  | { ok: true; media: LoadedMedia }
  | { ok: false; name: string; position: number; problem: Problem };

export interface LoadOptions {
  limits?: ReferenceLimits;
  /** Downloads at once. */
  concurrency?: number;
  /** Per file. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** The cap on bytes downloaded at once; default the one every request of this process shares. */
  gate?: DownloadGate;
  /** FFmpeg: probes every file and converts what the model does not take. Without it, as before. */
  converter?: MediaConverter;
}

/**
 * The largest file read when conversion is on: phone clips are 30–200 MB before they are
 * converted under the 50 MB the model takes.
 */
export const MAX_SOURCE_BYTES = 250 * MB;

/** The most a file may be to be read at all: what the model takes, or more when it can be converted. */
export function largestReadableBytes(limits: ReferenceLimits, converting: boolean): number {
  return converting ? Math.max(MAX_SOURCE_BYTES, largestAllowedFileBytes(limits)) : largestAllowedFileBytes(limits);
}

export const DEFAULT_LOAD_CONCURRENCY = 3;
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;
/**
 * Files a little over the largest allowed size are still read, so that the limit check can say
 * which limit they break, with exact numbers; beyond this margin reading stops.
 */
export const DOWNLOAD_MARGIN_BYTES = 1 * MB;

/** One outcome per attachment, in upload order. */
/** `dir`: the request's temporary directory, where the files are written; its owner removes it. */
export async function loadAttachments(attachments: readonly IncomingAttachment[], dir: string, options: LoadOptions = {}): Promise<LoadOutcome[]> {
  const limits = options.limits ?? REFERENCE_LIMITS;
  const converter = options.converter && (await options.converter.unavailable()) === undefined ? options.converter : undefined;
  const largest = largestReadableBytes(limits, converter !== undefined);
  return mapLimited(attachments, options.concurrency ?? DEFAULT_LOAD_CONCURRENCY, (attachment, index) =>
    loadOne(attachment, index + 1, join(dir, `${index + 1}.download`), {
      largest,
      maxBytes: largest + DOWNLOAD_MARGIN_BYTES,
      timeoutMs: options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
      signal: options.signal,
      gate: options.gate ?? sharedDownloadGate,
      limits,
      converter,
    }),
  );
}

async function loadOne(
  attachment: IncomingAttachment,
  position: number,
  file: string,
  options: { largest: number; maxBytes: number; timeoutMs: number; signal: AbortSignal | undefined; gate: DownloadGate; limits: ReferenceLimits; converter: MediaConverter | undefined },
): Promise<LoadOutcome> {
  const { name } = attachment;
  const failed = (problem: Omit<Problem, 'file'>): LoadOutcome => ({ ok: false, name, position, problem: { ...problem, file: name } });

  // A turn under the cap on bytes downloaded at once, for what it may read: the declared size, or
  // the per-file cap. A file declared over the cap is refused unread, so needs no turn.
  const declaredTooLarge = attachment.size !== undefined && attachment.size > options.maxBytes;
  const release = declaredTooLarge ? undefined : await options.gate.acquire(attachment.size ?? options.maxBytes, options.signal).catch(() => null);
  if (release === null) return failed({ code: 'reference.download_failed', params: { reason: 'cancelled' } });
  const downloaded = await downloadAttachment(attachment, file, {
    timeoutMs: options.timeoutMs,
    maxBytes: options.maxBytes,
    ...(options.signal ? { signal: options.signal } : {}),
  }).finally(() => release?.());
  if (!downloaded.ok) {
    if (downloaded.reason === 'too_large') {
      return failed({
        code: 'reference.file_too_large',
        params: { bytes: downloaded.bytes, sizeMB: toMB(downloaded.bytes), maxBytes: options.largest, maxMB: toMB(options.largest) },
      });
    }
    return failed({ code: 'reference.download_failed', params: { reason: downloaded.reason } });
  }
  const { size } = downloaded;

  const sniffed = await sniffSafely(file);
  if (options.converter) return inspect(options.converter, attachment, position, { file, size }, sniffed, options.limits, failed, options.signal);
  if (!sniffed.accepted) {
    return failed({
      code: 'reference.unsupported_type',
      params: { detected: sniffed.detected?.extension ?? 'unknown', accepted: ACCEPTED_FORMATS },
    });
  }

  const durationSec = await probeWithoutFfmpeg(file, sniffed.kind, sniffed.mime);
  if (sniffed.kind !== 'image' && durationSec === undefined) {
    return failed({ code: 'reference.unreadable_media', params: { kind: sniffed.kind, format: sniffed.format } });
  }

  return {
    ok: true,
    media: {
      name,
      position,
      kind: sniffed.kind,
      mime: sniffed.mime,
      extension: sniffed.extension,
      format: sniffed.format,
      file,
      size,
      ...(durationSec !== undefined ? { durationSec } : {}),
      ...(attachment.publicUrl ? { publicUrl: attachment.publicUrl } : {}),
    },
  };
}

/** With FFmpeg: what the file really holds, and whether it must be converted to be used. */
async function inspect(
  converter: MediaConverter,
  attachment: IncomingAttachment,
  position: number,
  { file, size }: { file: string; size: number },
  sniffed: SniffResult,
  limits: ReferenceLimits,
  failed: (problem: Omit<Problem, 'file'>) => LoadOutcome,
  signal: AbortSignal | undefined,
): Promise<LoadOutcome> {
  const probe = await converter.probe(file, signal).catch(() => undefined);
  const kind = probe ? probedKind(probe, { sniffed, ...(attachment.contentType ? { contentType: attachment.contentType } : {}) }) : undefined;
  if (!probe || !kind) {
    if (!sniffed.accepted) {
      return failed({ code: 'reference.unsupported_type', params: { detected: sniffed.detected?.extension ?? 'unknown', accepted: ACCEPTED_FORMATS } });
    }
    return failed({ code: 'reference.unreadable_media', params: { kind: sniffed.kind, format: sniffed.format } });
  }
  const audioFromVideo = kind === 'audio' && probe.video !== undefined && !(sniffed.accepted && sniffed.kind === 'audio');
  const need = conversionNeed(kind, probe, size, sniffed, limits, audioFromVideo);
  if (kind !== 'image' && probe.durationSec === undefined) {
    return failed({ code: 'reference.unreadable_media', params: { kind, format: need.source } });
  }
  const as = need.required || !sniffed.accepted ? { mime: '', extension: '', format: need.source } : { mime: sniffed.mime, extension: sniffed.extension, format: sniffed.format };
  return {
    ok: true,
    media: {
      name: attachment.name,
      position,
      kind,
      ...as,
      file,
      size,
      ...(kind !== 'image' && probe.durationSec !== undefined ? { durationSec: probe.durationSec } : {}),
      ...(attachment.publicUrl && !need.required ? { publicUrl: attachment.publicUrl } : {}),
      conversion: need,
    },
  };
}

/**
 * Without FFmpeg, the duration comes from the hand-written MP4 reader and music-metadata, which
 * take the bytes whole: files are then at most what the model takes (about 51 MB), never the
 * 250 MB sources that only conversion accepts.
 */
async function probeWithoutFfmpeg(file: string, kind: ReferenceKind, mime: string): Promise<number | undefined> {
  if (kind === 'image') return undefined;
  return probeDurationSec(await readWhole({ file }), kind, mime);
}

async function sniffSafely(file: string): Promise<SniffResult> {
  try {
    return await sniffFile(file);
  } catch {
    return { accepted: false };
  }
}
