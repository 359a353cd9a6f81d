import { readFileSync } from 'node:fs';
import type { IncomingAttachment, Reference } from '../../../src/core/references/types.js';

const cache = new Map<string, Uint8Array>();

/** A file from test/fixtures/media. */
export function fixture(file: string): Uint8Array {
  let bytes = cache.get(file);
  if (!bytes) {
    bytes = new Uint8Array(readFileSync(new URL(`../../fixtures/media/${file}`, import.meta.url)));
    cache.set(file, bytes);
  }
  return bytes;
}

export interface CountingAttachment extends IncomingAttachment {
  readonly downloads: number;
}

/** An attachment serving `bytes`, counting its downloads. */
export function attachmentOf(name: string, bytes: Uint8Array, extra: Partial<IncomingAttachment> = {}): CountingAttachment {
  let downloads = 0;
  return {
    name,
    contentType: 'application/octet-stream',
    ...extra,
    get downloads() {
      return downloads;
    },
    async download() {
      downloads++;
      return bytes;
    },
  };
}

/** A fixture uploaded under `name` (default: its own name). */
export function upload(file: string, name: string = file, extra: Partial<IncomingAttachment> = {}): CountingAttachment {
  return attachmentOf(name, fixture(file), extra);
}

/** `count` copies of a fixture, named `<stem>-<i>.<ext>`. */
export function uploads(file: string, count: number): CountingAttachment[] {
  const dot = file.lastIndexOf('.');
  return Array.from({ length: count }, (_, i) => upload(file, `${file.slice(0, dot)}-${i + 1}${file.slice(dot)}`));
}

/** The file's real header and content, followed by zeros up to `size` bytes. */
export function paddedTo(bytes: Uint8Array, size: number): Uint8Array {
  const padded = new Uint8Array(size);
  padded.set(bytes);
  return padded;
}

/** An MP4/MOV grown to `size` bytes with a trailing `free` box, so it stays a well-formed file. */
export function paddedMovie(bytes: Uint8Array, size: number): Uint8Array {
  const padded = new Uint8Array(size);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  view.setUint32(bytes.byteLength, size - bytes.byteLength);
  padded.set(new TextEncoder().encode('free'), bytes.byteLength + 4);
  return padded;
}

export function referenceOf(overrides: Partial<Reference> = {}): Reference {
  const bytes = overrides.bytes ?? fixture('cat.png');
  return {
    name: 'cat.png',
    kind: 'image',
    mime: 'image/png',
    extension: 'png',
    bytes,
    size: bytes.byteLength,
    index: 1,
    label: '@Image1',
    position: 1,
    ...overrides,
  };
}
