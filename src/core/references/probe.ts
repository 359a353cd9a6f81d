/** How long a video or audio file plays, in seconds; undefined when it cannot be read. */
import { parseBuffer } from 'music-metadata';
import { readMovieDurationSec } from './mp4-duration.js';
import type { ReferenceKind } from './types.js';

export async function probeDurationSec(bytes: Uint8Array, kind: ReferenceKind, mime: string): Promise<number | undefined> {
  if (kind === 'image') return undefined;
  const fromMovieHeader = kind === 'video' ? movieHeaderDuration(bytes) : undefined;
  const duration = fromMovieHeader ?? (await durationFromMusicMetadata(bytes, mime));
  return duration !== undefined && Number.isFinite(duration) && duration > 0 ? duration : undefined;
}

/** The box reader is hand-written and the bytes are anyone's: a throw is an unreadable file, never a failed request. */
function movieHeaderDuration(bytes: Uint8Array): number | undefined {
  try {
    return readMovieDurationSec(bytes);
  } catch {
    return undefined;
  }
}

async function durationFromMusicMetadata(bytes: Uint8Array, mime: string): Promise<number | undefined> {
  try {
    const metadata = await parseBuffer(bytes, { mimeType: mime, size: bytes.byteLength }, { duration: true, skipCovers: true });
    return metadata.format.duration;
  } catch {
    // A damaged file is the person's problem to fix, reported as unreadable media; never a crash.
    return undefined;
  }
}
