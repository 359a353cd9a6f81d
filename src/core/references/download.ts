/** Fetches one attachment's bytes, once, within a time limit and a byte cap. Never throws. */
import type { IncomingAttachment } from './types.js';

export interface DownloadOptions {
  timeoutMs: number;
  /** Refuse to hold more than this many bytes of one file. */
  maxBytes: number;
  signal?: AbortSignal;
}

export type DownloadOutcome =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: 'timeout' | 'failed' | 'cancelled' }
  /** `bytes`: the declared size, or how much had arrived when reading stopped (a lower bound). */
  | { ok: false; reason: 'too_large'; bytes: number };

class TooLarge extends Error {
  constructor(readonly bytes: number) {
    super('too large');
  }
}

export async function downloadAttachment(attachment: IncomingAttachment, options: DownloadOptions): Promise<DownloadOutcome> {
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
  const reading = read(attachment, controller.signal, maxBytes);
  reading.catch(() => undefined);
  aborted.catch(() => undefined);

  try {
    const bytes = await Promise.race([reading, aborted]);
    if (bytes.byteLength > maxBytes) return { ok: false, reason: 'too_large', bytes: bytes.byteLength };
    return { ok: true, bytes };
  } catch (error) {
    if (error instanceof TooLarge) return { ok: false, reason: 'too_large', bytes: error.bytes };
    if (timedOut) return { ok: false, reason: 'timeout' };
    if (options.signal?.aborted) return { ok: false, reason: 'cancelled' };
    return { ok: false, reason: 'failed' };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', cancel);
    if (!controller.signal.aborted) controller.abort();
  }
}

async function read(attachment: IncomingAttachment, signal: AbortSignal, maxBytes: number): Promise<Uint8Array> {
  if (!attachment.stream) return attachment.download(signal);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of await attachment.stream(signal)) {
    total += chunk.byteLength;
    // Leaving the loop closes the stream, so nothing more is read.
    if (total > maxBytes) throw new TooLarge(total);
    chunks.push(chunk);
  }
  return concat(chunks, total);
}

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
