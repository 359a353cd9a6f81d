/**
 * The fake's GET /api/events: every connected subscriber gets every event, keep-alive comments
 * arrive on an interval, and nothing is replayed to whoever connects later (like Oxen).
 */
import type { ServerResponse } from 'node:http';

export class EventHub {
  private readonly subscribers = new Set<ServerResponse>();
  private readonly keepAlive: NodeJS.Timeout;

  constructor(keepAliveMs: number) {
    this.keepAlive = setInterval(() => this.write(': keep-alive\n\n'), keepAliveMs);
    this.keepAlive.unref();
  }

  get count(): number {
    return this.subscribers.size;
  }

  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
    });
    res.flushHeaders();
    this.subscribers.add(res);
    res.on('close', () => this.subscribers.delete(res));
  }

  /** `data` is sent as one `data:` line; pass text with no line breaks. */
  send(event: string, data: string): void {
    this.write(`event: ${event}\ndata: ${data}\n\n`);
  }

  /** Raw bytes to every subscriber (comments, partial frames, anything). */
  write(text: string): void {
    for (const res of this.subscribers) res.write(text);
  }

  /** Ends every stream: abruptly (the socket is destroyed) or with a clean end of the body. */
  dropAll(graceful = false): void {
    for (const res of this.subscribers) {
      if (graceful) res.end();
      else res.destroy();
    }
    this.subscribers.clear();
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.dropAll(true);
  }
}
