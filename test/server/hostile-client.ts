/**
 * A raw TCP client for misbehaving on purpose: a huge body sent as fast as the server takes it,
 * or headers and bodies trickled a few bytes at a time. Counts what it managed to send.
 */
import { connect, type Socket } from 'node:net';

export interface FloodResult {
  /** The status line's code, if an answer came. */
  status?: number;
  /** Body bytes the client got onto the wire before the answer (or before it gave up). */
  bytesSent: number;
  /** The server closed the connection. */
  closed: boolean;
}

/** POSTs up to `maxBytes` of body (declared as `declaredBytes`, or chunked) until the server answers. */
export async function flood(port: number, path: string, options: { declaredBytes?: number; maxBytes: number; chunkBytes?: number }): Promise<FloodResult> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const chunked = options.declaredBytes === undefined;
  socket.write(
    `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      (chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${options.declaredBytes}\r\n`) +
      '\r\n',
  );
  const result: FloodResult = { bytesSent: 0, closed: false };
  let answer = '';
  let stop = false;
  socket.on('data', (data: Buffer) => {
    answer += data.toString('latin1');
    const match = /^HTTP\/1\.1 (\d{3})/.exec(answer);
    if (match) {
      result.status = Number(match[1]);
      stop = true;
    }
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => ((result.closed = true), (stop = true), resolve())));
  socket.on('error', () => undefined);
  const chunk = Buffer.alloc(options.chunkBytes ?? 64 * 1024, 'x');
  const frame = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]) : chunk;
  while (!stop && result.bytesSent < options.maxBytes) {
    const flushed = socket.write(frame);
    result.bytesSent += chunk.length;
    if (!flushed) await Promise.race([new Promise((r) => socket.once('drain', r)), ended, new Promise((r) => setTimeout(r, 2_000))]);
  }
  // Give an answer that is on its way a moment to arrive.
  await Promise.race([ended, new Promise((r) => setTimeout(r, 300))]);
  socket.destroy();
  return result;
}

/** Sends `parts` one after another, `everyMs` apart, and says when the server cut the connection. */
export async function trickle(port: number, parts: readonly string[], everyMs: number): Promise<{ closedAfterMs?: number; answer: string }> {
  const socket: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const began = Date.now();
  let closedAfterMs: number | undefined;
  let answer = '';
  socket.on('data', (data: Buffer) => (answer += data.toString('latin1')));
  socket.on('error', () => undefined);
  socket.once('close', () => (closedAfterMs = Date.now() - began));
  for (const part of parts) {
    if (closedAfterMs !== undefined) break;
    socket.write(part);
    await new Promise((r) => setTimeout(r, everyMs));
  }
  socket.destroy();
  return { ...(closedAfterMs !== undefined ? { closedAfterMs } : {}), answer };
}
