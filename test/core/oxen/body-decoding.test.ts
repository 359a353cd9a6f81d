/** Answers are decoded piece by piece as they arrive (http.ts readText): a character split between two chunks stays whole. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import { OxenClient } from '../../../src/core/oxen/client.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

it('keeps a multi-byte character whole when it arrives split across chunks', async () => {
  const words = 'Oxen says: 🎬 café — ready';
  const body = Buffer.from(JSON.stringify({ generations: [{ generation_id: 'g1', status: 'failed', error_message: words }] }), 'utf8');
  // Cut inside the clapper board emoji (4 bytes) and again inside "é" (2 bytes).
  const emoji = body.indexOf(Buffer.from('🎬')) + 2;
  const accent = body.indexOf(Buffer.from('é')) + 1;
  server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length });
    const pieces = [body.subarray(0, emoji), body.subarray(emoji, accent), body.subarray(accent)];
    const next = () => {
      const piece = pieces.shift();
      if (!piece) return void res.end();
      res.write(piece);
      setTimeout(next, 30); // separate reads on the client's side
    };
    next();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = new OxenClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'sk-test' });
  const [row] = await client.listStatuses();
  expect(row?.error_message).toBe(words);
});
