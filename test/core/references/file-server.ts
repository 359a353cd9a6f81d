/**
 * A loopback server standing in for a chat platform's file storage: GET /<size>/<name> answers a
 * PNG of exactly <size> bytes (the real header, then zeros), sent in pieces over a little time so
 * that downloads overlap. It counts requests and the bytes of responses under way at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { fixture } from './helpers.js';

export interface FileServer {
  url: string;
  requests: number;
  /** Bytes of the responses being sent now, and the most there ever were at once. */
  activeBytes: number;
  maxActiveBytes: number;
  /** An attachment that declares `size` and streams from this server, as the adapters' do. */
  attachment(name: string, size: number, declared?: number): IncomingAttachment;
  close(): Promise<void>;
}

const PNG_HEADER = fixture('cat.png');
const PIECES = 8;

export async function startFileServer(options: { pieceDelayMs?: number } = {}): Promise<FileServer> {
  const delay = options.pieceDelayMs ?? 5;
  const state = { requests: 0, activeBytes: 0, maxActiveBytes: 0 };
  const server: Server = createServer((req, res) => {
    state.requests++;
    const size = Number(/^\/(\d+)\//.exec(req.url ?? '')?.[1] ?? 0);
    state.activeBytes += size;
    state.maxActiveBytes = Math.max(state.maxActiveBytes, state.activeBytes);
    let counted = true;
    const done = () => {
      if (counted) state.activeBytes -= size;
      counted = false;
    };
    res.on('close', done);
    void (async () => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': size });
      const body = new Uint8Array(size);
      body.set(PNG_HEADER.subarray(0, Math.min(size, PNG_HEADER.byteLength)));
      const piece = Math.ceil(size / PIECES);
      for (let at = 0; at < size && !res.destroyed; at += piece) {
        if (at > 0) await sleep(delay);
        // The last piece lets the client finish: count the response as over before it can.
        if (at + piece >= size) done();
        res.write(body.subarray(at, at + piece));
      }
      done();
      res.end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    get requests() {
      return state.requests;
    },
    get activeBytes() {
      return state.activeBytes;
    },
    get maxActiveBytes() {
      return state.maxActiveBytes;
    },
    attachment(name, size, declared = size) {
      return {
        name,
        size: declared,
        contentType: 'image/png',
        download: async (signal) => new Uint8Array(await (await fetch(`${url}/${size}/${name}`, signal ? { signal } : {})).arrayBuffer()),
        stream: async (signal) => {
          const answer = await fetch(`${url}/${size}/${name}`, signal ? { signal } : {});
          return answer.body as unknown as AsyncIterable<Uint8Array>;
        },
      };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
