/**
 * Request bodies are bounded: a declared Content-Length over the limit is refused before a byte
 * is read, and a body without one (chunked) is counted as it arrives and refused the moment it
 * passes the limit. A refusal is a 413 that closes the connection, so the sender cannot go on.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Slack's payloads (commands, events, forms) are far under this. */
export const MAX_BODY_BYTES = 1024 * 1024;

export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`the request body is over ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

/** The Content-Length the client announced is over `limit`. */
export function declaredTooLarge(req: IncomingMessage, limit = MAX_BODY_BYTES): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared > limit;
}

/** The whole body, at most `limit` bytes; rejects with BodyTooLargeError past it. */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  if (declaredTooLarge(req, limit)) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const settle = (error?: Error) => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) {
        chunks.length = 0;
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) settle(new BodyTooLargeError(limit));
      else chunks.push(chunk);
    };
    const onEnd = () => settle();
    const onError = (error: Error) => settle(error);
    const onClose = () => settle(new Error('the client went away before the body was complete'));
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** 413, and the connection is closed once it is sent: the rest of the body is never read. */
export function refuseTooLarge(req: IncomingMessage, res: ServerResponse, limit = MAX_BODY_BYTES): void {
  const text = JSON.stringify({ error: `request body over ${limit} bytes` });
  res.shouldKeepAlive = false;
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' });
  res.end(text, () => req.socket.destroy());
}
