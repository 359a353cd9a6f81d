/** What a file really is, from its bytes; names and declared MIME types are only hints. */
import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import type { ReferenceKind } from './types.js';

interface AcceptedFormat {
  kind: ReferenceKind;
  /** How people know the format, for messages. */
  format: string;
}

/**
 * Keyed by file-type's extension rather than its MIME type: MIME types are shared between formats
 * Seedance does not take (audio/mpeg is also MP1/MP2; video/mp4 is also F4V and M4P).
 */
const ACCEPTED: Readonly<Record<string, AcceptedFormat>> = {
  jpg: { kind: 'image', format: 'JPEG' },
  png: { kind: 'image', format: 'PNG' },
  webp: { kind: 'image', format: 'WebP' },
  mp4: { kind: 'video', format: 'MP4' },
  mov: { kind: 'video', format: 'MOV' },
  mp3: { kind: 'audio', format: 'MP3' },
  wav: { kind: 'audio', format: 'WAV' },
};

/** For messages: what may be uploaded. */
export const ACCEPTED_FORMATS: readonly string[] = Object.values(ACCEPTED).map((a) => a.format);

export type SniffResult =
  | { accepted: true; kind: ReferenceKind; mime: string; extension: string; format: string }
  /** `detected` is what the bytes are when file-type knows them (e.g. gif), for the message. */
  | { accepted: false; detected?: { mime: string; extension: string } };

export async function sniffMedia(bytes: Uint8Array): Promise<SniffResult> {
  return described(await fileTypeFromBuffer(bytes));
}

/** From a file on disk: file-type reads only the first bytes it needs. */
export async function sniffFile(path: string): Promise<SniffResult> {
  return described(await fileTypeFromFile(path));
}

function described(type: { ext: string; mime: string } | undefined): SniffResult {
  if (!type) return { accepted: false };
  const accepted = ACCEPTED[type.ext];
  if (!accepted) return { accepted: false, detected: { mime: type.mime, extension: type.ext } };
  return { accepted: true, kind: accepted.kind, mime: type.mime, extension: type.ext, format: accepted.format };
}
