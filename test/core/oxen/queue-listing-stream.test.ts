/**
 * The queue listing is read as it arrives (client.ts eachStatus, streamed-rows.ts), against a
 * real loopback server: rows reach the caller before the body ends, an answer over the limit is
 * cut and refused, and a listing asked again after a cut gives each row once.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { OxenClient } from '../../../src/core/oxen/client.js';
import { OxenError } from '../../../src/core/oxen/errors.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<OxenClient> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return new OxenClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'sk-test', retry: { baseDelayMs: 1, maxDelayMs: 1 } });
}

const row = (i: number) => JSON.stringify({ generation_id: `g${i}`, status: 'processing', target_repo: 'bot', prompt: 'a fox', params: { duration: 5 } });

it('hands each row on before the body has ended', async () => {
  let visited!: () => void;
  const firstVisited = new Promise<'visited'>((resolve) => (visited = () => resolve('visited')));
  let beforeEnd: string | undefined;
  const client = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(`{"generations":[${row(1)},`);
    // The rest only once the first row was seen, or after 2 s (a client that waits for the whole body).
    void Promise.race([firstVisited, new Promise<string>((resolve) => setTimeout(() => resolve('not yet'), 2_000))]).then((what) => {
      beforeEnd = what;
      res.end(`${row(2)}]}`);
    });
  });
  const seen: string[] = [];
  await client.eachStatus({ repo: 'bot' }, (r) => {
    seen.push(r.generation_id);
    visited();
  });
  expect(seen).toEqual(['g1', 'g2']);
  expect(beforeEnd).toBe('visited');
});

it('refuses an answer over 16 MiB as bad_response, without reading the rest', async () => {
  let written = 0;
  let closed!: (bytes: number) => void;
  const cut = new Promise<number>((resolve) => (closed = resolve));
  const client = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"generations":[');
    const more = () => {
      // Endless rows, as fast as the client takes them.
      while (written < 64 * 1024 * 1024) {
        const piece = Buffer.from(`${row(written)},`.repeat(200));
        written += piece.length;
        if (!res.write(piece)) return void res.once('drain', more);
      }
      res.end('{}]}');
    };
    res.on('close', () => closed(written));
    more();
  });
  const error = await client.eachStatus({}, () => undefined).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(OxenError);
  expect((error as OxenError).code).toBe('bad_response');
  expect((error as OxenError).message).toContain('more than');
  // Cut near the limit (plus what sat in socket buffers), not after the 64 MiB the server had.
  expect(await cut).toBeLessThan(40 * 1024 * 1024);
});

it('gives each row once when the listing is asked again after a cut part-way', async () => {
  let requests = 0;
  const client = await serve((req, res) => {
    requests++;
    res.writeHead(200, { 'content-type': 'application/json' });
    if (requests === 1) {
      res.write(`{"generations":[${row(1)},${row(2)},`);
      setTimeout(() => req.socket.destroy(), 50);
      return;
    }
    res.end(`{"generations":[${row(1)},${row(2)},${row(3)}]}`);
  });
  const rows = await client.listStatuses({ repo: 'bot' });
  expect(requests).toBe(2);
  expect(rows.map((r) => r.generation_id)).toEqual(['g1', 'g2', 'g3']);
  expect(rows[0]).not.toHaveProperty('params');
});
