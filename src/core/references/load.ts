/** Attachment -> media: download (once), sniff the bytes, probe the duration. One problem per bad file. */
import type { Problem } from '../result.js';
import { downloadAttachment } from './download.js';
import { sharedDownloadGate, type DownloadGate } from './download-gate.js';
import { largestAllowedFileBytes, MB, REFERENCE_LIMITS, toMB, type ReferenceLimits } from './limits.js';
import { mapLimited } from './map-limited.js';
import { probeDurationSec } from './probe.js';
import { ACCEPTED_FORMATS, sniffMedia, type SniffResult } from './sniff.js';
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
  bytes: Uint8Array;
  size: number;
  durationSec?: number;
  publicUrl?: IncomingAttachment['publicUrl'];
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
}

export const DEFAULT_LOAD_CONCURRENCY = 3;
export const DEFAULT_DOWNLOAD_TIMEOUT_MS = 60_000;
/**
 * Files a little over the largest allowed size are still read, so that the limit check can say
 * which limit they break, with exact numbers; beyond this margin reading stops.
 */
export const DOWNLOAD_MARGIN_BYTES = 1 * MB;

/** One outcome per attachment, in upload order. */
export async function loadAttachments(attachments: readonly IncomingAttachment[], options: LoadOptions = {}): Promise<LoadOutcome[]> {
  const limits = options.limits ?? REFERENCE_LIMITS;
  const largest = largestAllowedFileBytes(limits);
  return mapLimited(attachments, options.concurrency ?? DEFAULT_LOAD_CONCURRENCY, (attachment, index) =>
    loadOne(attachment, index + 1, {
      largest,
      maxBytes: largest + DOWNLOAD_MARGIN_BYTES,
      timeoutMs: options.timeoutMs ?? DEFAULT_DOWNLOAD_TIMEOUT_MS,
      signal: options.signal,
      gate: options.gate ?? sharedDownloadGate,
    }),
  );
}

async function loadOne(
  attachment: IncomingAttachment,
  position: number,
  options: { largest: number; maxBytes: number; timeoutMs: number; signal: AbortSignal | undefined; gate: DownloadGate },
): Promise<LoadOutcome> {
  const { name } = attachment;
  const failed = (problem: Omit<Problem, 'file'>): LoadOutcome => ({ ok: false, name, position, problem: { ...problem, file: name } });

  // A turn under the cap on bytes downloaded at once, for what it may read: the declared size, or
  // the per-file cap. A file declared over the cap is refused unread, so needs no turn.
  const declaredTooLarge = attachment.size !== undefined && attachment.size > options.maxBytes;
  const release = declaredTooLarge ? undefined : await options.gate.acquire(attachment.size ?? options.maxBytes, options.signal).catch(() => null);
  if (release === null) return failed({ code: 'reference.download_failed', params: { reason: 'cancelled' } });
  const downloaded = await downloadAttachment(attachment, {
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
  const { bytes } = downloaded;

  const sniffed = await sniffSafely(bytes);
  if (!sniffed.accepted) {
    return failed({
      code: 'reference.unsupported_type',
      params: { detected: sniffed.detected?.extension ?? 'unknown', accepted: ACCEPTED_FORMATS },
    });
  }

  const durationSec = await probeDurationSec(bytes, sniffed.kind, sniffed.mime);
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
      bytes,
      size: bytes.byteLength,
      ...(durationSec !== undefined ? { durationSec } : {}),
      ...(attachment.publicUrl ? { publicUrl: attachment.publicUrl } : {}),
    },
  };
}

async function sniffSafely(bytes: Uint8Array): Promise<SniffResult> {
  try {
    return await sniffMedia(bytes);
  } catch {
    return { accepted: false };
  }
}
