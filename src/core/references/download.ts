/**
 * Fetches one attachment, once, into a file on disk, within a time limit and a byte cap: a phone
 * clip of 200 MB never sits in memory, only the piece being written. Never throws.
 */
import { open } from 'node:fs/promises';
import type { IncomingAttachment } from './types.js';

export interface DownloadOptions {
  timeoutMs: number;
  /** Refuse to read more than this many bytes of one file. */
  maxBytes: number;
  signal?: AbortSignal;
}

export type DownloadOutcome =
  | { ok: true; size: number }
  /** `larger_than_declared`: more bytes came than the platform said the file has (and than were reserved for it). */
  | { ok: false; reason: 'timeout' | 'failed' | 'cancelled' | 'larger_than_declared' }
  /** `bytes`: the declared size, or how much had arrived when reading stopped (a lower bound). */
  | { ok: false; reason: 'too_large'; bytes: number };

class Cut extends Error {
  constructor(
    readonly reason: 'too_large' | 'larger_than_declared',
    readonly bytes: number,
  ) {
    super(reason);
  }
}

/**
 * Writes the attachment to `path` (created or replaced). Reading stops at the byte cap, and at the
 * declared size when there is one: that is what the cap on bytes downloaded at once reserved.
 * On failure `path` may hold part of the file: the caller's temporary directory removes it.
 */
export async function downloadAttachment(attachment: IncomingAttachment, path: string, options: DownloadOptions): Promise<DownloadOutcome> {
  const { maxBytes } = options;
  if (attachment.size !== undefined && attachment.size > maxBytes) return { ok: false, reason: 'too_large', bytes: attachment.size };
  if (options.signal?.aborted) return { ok: false, reason: 'cancelled' };

  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`download timed out after ${options.timeoutMs} ms`));
  }, options.timeoutMs);
  const cancel = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', cancel, { once: true });

  // A download that ignores its signal must not hold us up: race it against the abort.
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  const writing = writeTo(path, attachment, controller.signal, maxBytes);
  writing.catch(() => undefined);
  aborted.catch(() => undefined);

  try {
    return { ok: true, size: await Promise.race([writing, aborted]) };
  } catch (error) {
    if (error instanceof Cut) return error.reason === 'too_large' ? { ok: false, reason: 'too_large', bytes: error.bytes } : { ok: false, reason: error.reason };
    if (timedOut) return { ok: false, reason: 'timeout' };
    if (options.signal?.aborted) return { ok: false, reason: 'cancelled' };
    return { ok: false, reason: 'failed' };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
    if (!controller.signal.aborted) controller.abort();
  }
}

/** The bytes written. Each piece is written before the next is read, so memory holds one piece. */
async function writeTo(path: string, attachment: IncomingAttachment, signal: AbortSignal, maxBytes: number): Promise<number> {
  const file = await open(path, 'w');
  let total = 0;
  try {
    for await (const chunk of await pieces(attachment, signal)) {
      total += chunk.byteLength;
      // Leaving the loop closes the stream, so nothing more is read.
      if (total > maxBytes) throw new Cut('too_large', total);
      if (attachment.size !== undefined && total > attachment.size) throw new Cut('larger_than_declared', total);
      signal.throwIfAborted();
      await file.write(chunk);
    }
    return total;
  } finally {
    await file.close();
  }
}

/** The attachment's stream, or (an adapter that has none) its whole download as one piece. */
async function pieces(attachment: IncomingAttachment, signal: AbortSignal): Promise<AsyncIterable<Uint8Array>> {
  if (attachment.stream) return attachment.stream(signal);
  const bytes = await attachment.download(signal);
  return (async function* () {
    yield bytes;
  })();
}
