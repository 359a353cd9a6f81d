/**
 * One HTTP exchange over undici with our own deadline, and every failure turned into an
 * OxenError (or the caller's abort reason, when the caller aborted).
 */
import { request, type Dispatcher, type FormData } from 'undici';
import { OxenError } from './errors.js';
import { errorFromTransport } from './error-mapping.js';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
export type ResponseBody = Dispatcher.ResponseData['body'];
export type ResponseHeaders = Dispatcher.ResponseData['headers'];

export interface ExchangeOptions {
  dispatcher: Dispatcher;
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string | FormData;
  /** Deadline for the answer: until `text()` has read the body, or until `release()`. */
  timeoutMs: number;
  /** undici's limit on silence between body chunks after release(); 0 disables it. */
  bodyIdleTimeoutMs?: number;
  signal?: AbortSignal;
  /** For messages: "enqueue", "get generation", ... */
  operation: string;
  secrets: readonly string[];
}

export interface Exchange {
  status: number;
  headers: ResponseHeaders;
  body: ResponseBody;
  /** Reads the whole body as UTF-8 within the deadline. Past `limit` bytes: cut, or fail. */
  text(limit: number, overflow: 'truncate' | 'fail'): Promise<string>;
  /** Hands the body to `onChunk` piece by piece within the deadline; past `limit` bytes it fails. */
  consume(limit: number, onChunk: (chunk: Buffer) => void): Promise<void>;
  /** Ends the deadline: the caller now owns the body stream. */
  release(): void;
}

export async function exchange(options: ExchangeOptions): Promise<Exchange> {
  const outer = options.signal;
  // One controller per exchange, tied to the caller's signal by a listener that is removed when
  // the exchange ends (AbortSignal.any can keep composites alive on a long-lived signal).
  const controller = new AbortController();
  let deadlineHit = false;
  const timer = setTimeout(() => {
    deadlineHit = true;
    controller.abort(new Error('deadline'));
  }, options.timeoutMs);
  const onOuterAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onOuterAbort();
  else outer?.addEventListener('abort', onOuterAbort, { once: true });
  const detach = () => {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuterAbort);
  };
  const failure = (error: unknown): unknown => {
    detach();
    if (outer?.aborted) return outer.reason;
    if (deadlineHit) {
      return new OxenError('timeout', `Oxen ${options.operation} got no complete answer within ${options.timeoutMs} ms`);
    }
    return errorFromTransport(error, options.operation, options.secrets);
  };

  let response: Dispatcher.ResponseData;
  try {
    response = await request(options.url, {
      method: options.method,
      headers: options.headers,
      body: options.body ?? null,
      signal: controller.signal,
      dispatcher: options.dispatcher,
      ...(options.bodyIdleTimeoutMs !== undefined ? { bodyTimeout: options.bodyIdleTimeoutMs } : {}),
    });
  } catch (error) {
    throw failure(error);
  }
  const { body } = response;
  body.once('close', detach);
  return {
    status: response.statusCode,
    headers: response.headers,
    body,
    release: () => clearTimeout(timer),
    text: async (limit, overflow) => {
      try {
        return await readText(body, limit, overflow, options.operation);
      } catch (error) {
        throw failure(error);
      } finally {
        detach();
      }
    },
    consume: async (limit, onChunk) => {
      try {
        let size = 0;
        for await (const chunk of body as AsyncIterable<Buffer>) {
          size += chunk.length;
          if (size > limit) {
            body.destroy();
            throw new OxenError('bad_response', `Oxen ${options.operation} answered with more than ${limit} bytes`);
          }
          onChunk(chunk);
          // Buffered chunks would otherwise all be taken in one turn of the event loop.
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      } catch (error) {
        body.destroy();
        throw failure(error);
      } finally {
        detach();
      }
    },
  };
}

// Decoded piece by piece: a listing of 10,000 rows is about 5 MB, and a Buffer.concat copy of it
// on top of the chunks is malloc'd memory the process keeps after it is freed (peak RSS).
async function readText(body: ResponseBody, limit: number, overflow: 'truncate' | 'fail', operation: string): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    const room = limit - size;
    if (chunk.length > room) {
      body.destroy();
      if (overflow === 'fail') throw new OxenError('bad_response', `Oxen ${operation} answered with more than ${limit} bytes`);
      text += decoder.decode(chunk.subarray(0, room), { stream: true });
      break;
    }
    text += decoder.decode(chunk, { stream: true });
    size += chunk.length;
  }
  return text + decoder.decode();
}

/** Discards a body we do not need, so the connection can be reused or closed. */
export function discard(body: ResponseBody): void {
  body.dump({ limit: 64 * 1024 }).catch(() => undefined);
}

export function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
