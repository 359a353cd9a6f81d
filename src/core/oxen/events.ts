/**
 * Reads GET /api/events (Server-Sent Events) into `media_generation_completed` events. Other event
 * types and comments (`: keep-alive`) are skipped; a malformed event is reported and skipped, not
 * fatal. The stream has no replay: whoever reconnects must reconcile by polling.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { OxenError } from './errors.js';
import { errorFromTransport } from './error-mapping.js';
import type { ResponseBody } from './http.js';
import { completionEventSchema, type CompletionEvent } from './types.js';

export const COMPLETION_EVENT = 'media_generation_completed';

export interface MalformedEvent {
  /** The raw `data:` text (may contain anything the server sent; do not log it blindly). */
  data: string;
  reason: string;
}

export interface EventStreamOptions {
  /**
   * No bytes at all (Oxen sends a keep-alive every 15 s) for this long counts as a dropped stream:
   * the iteration throws an OxenError with code `timeout`. Default 45 s.
   */
  idleTimeoutMs?: number;
  onMalformed?: (event: MalformedEvent) => void;
}

/**
 * Completion events of one connection. Iterating ends quietly when the server closes the stream
 * cleanly or `close()` / the caller's signal stops it, and throws an OxenError (`network` or
 * `timeout`) when the connection breaks or goes silent. Iterate it once.
 */
export interface CompletionEventStream extends AsyncIterable<CompletionEvent> {
  close(): void;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 45_000;

export function completionEvents(
  body: ResponseBody,
  options: EventStreamOptions & { signal?: AbortSignal; secrets: readonly string[] },
): CompletionEventStream {
  let closed = false;
  // Destroying an unfinished undici body emits an abort 'error'; readers see failures through
  // iteration, so this listener only keeps a close() outside iteration from crashing the process.
  body.on('error', () => undefined);
  const close = () => {
    closed = true;
    body.destroy();
  };
  return {
    close,
    [Symbol.asyncIterator]: () => readEvents(body, options, () => closed || options.signal?.aborted === true, close),
  };
}

async function* readEvents(
  body: ResponseBody,
  options: EventStreamOptions & { secrets: readonly string[] },
  stopped: () => boolean,
  close: () => void,
): AsyncGenerator<CompletionEvent> {
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const ready: CompletionEvent[] = [];
  const parser = createParser({
    onEvent: (message) => {
      const event = toCompletionEvent(message, options.onMalformed);
      if (event) ready.push(event);
    },
  });
  const decoder = new TextDecoder();
  let idleTimer: NodeJS.Timeout | undefined;
  const watchIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(
      () => body.destroy(new OxenError('timeout', `Oxen event stream sent nothing for ${idleTimeoutMs} ms`)),
      idleTimeoutMs,
    );
  };

  try {
    watchIdle();
    for await (const chunk of body as AsyncIterable<Buffer>) {
      parser.feed(decoder.decode(chunk, { stream: true }));
      // Our consumer may be slow; that is not the server being silent.
      clearTimeout(idleTimer);
      while (ready.length > 0) yield ready.shift() as CompletionEvent;
      watchIdle();
    }
  } catch (error) {
    if (stopped()) return;
    if (error instanceof OxenError) throw error;
    throw errorFromTransport(error, 'event stream', options.secrets);
  } finally {
    clearTimeout(idleTimer);
    close();
  }
}

function toCompletionEvent(
  message: EventSourceMessage,
  onMalformed: ((event: MalformedEvent) => void) | undefined,
): CompletionEvent | undefined {
  if (message.event !== COMPLETION_EVENT) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(message.data);
  } catch {
    onMalformed?.({ data: message.data, reason: 'data is not JSON' });
    return undefined;
  }
  const parsed = completionEventSchema.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    onMalformed?.({ data: message.data, reason: `unexpected shape at ${fields}` });
    return undefined;
  }
  return parsed.data;
}
