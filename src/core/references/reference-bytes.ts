/**
 * A reference's bytes wherever they are (types.ts: in memory, or in a file): streamed, as a Blob
 * for an upload, copied into a file, or (for stores that take only whole values) read whole.
 */
import { createReadStream, openAsBlob } from 'node:fs';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { READ_PIECE_BYTES } from './reference-store.js';

export interface HeldBytes {
  bytes?: Uint8Array;
  file?: string;
}

function missing(): Error {
  return new Error('a reference holds neither bytes nor a file');
}

/** Whole, in memory: only for a store that needs one value (the file is at most a reference's size). */
export async function readWhole(held: HeldBytes): Promise<Uint8Array> {
  if (held.bytes) return held.bytes;
  if (held.file === undefined) throw missing();
  const buffer = await readFile(held.file);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** In pieces of at most READ_PIECE_BYTES. */
export function streamOf(held: HeldBytes): AsyncIterable<Uint8Array> {
  if (held.file !== undefined) return createReadStream(held.file, { highWaterMark: READ_PIECE_BYTES });
  const bytes = held.bytes;
  if (!bytes) throw missing();
  return (async function* () {
    for (let at = 0; at < bytes.byteLength; at += READ_PIECE_BYTES) yield bytes.subarray(at, at + READ_PIECE_BYTES);
  })();
}

/** For a multipart upload: a file becomes a Blob read from disk as it is sent. */
export async function blobOf(held: HeldBytes, type: string): Promise<Blob> {
  if (held.file !== undefined) return openAsBlob(held.file, { type });
  if (!held.bytes) throw missing();
  return new Blob([held.bytes], { type });
}

/** Into `path` (the kernel copies a file; bytes are written). */
export async function copyInto(held: HeldBytes, path: string): Promise<void> {
  if (held.file !== undefined) return copyFile(held.file, path);
  if (!held.bytes) throw missing();
  await writeFile(path, held.bytes);
}
