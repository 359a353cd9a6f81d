/**
 * The bot's HTTP server against clients that misbehave: a declared body over the limit is refused
 * with 413 before a byte of it is read, whatever the path; headers or a body trickled in
 * (slowloris) are cut off after the configured time instead of holding a connection for ever.
 * The real createBotServer; the metrics and readiness it is given are minimal (not under test).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { readBody } from '../../src/server/body.js';
import { createBotServer, type BotServer, type ServerTimeouts } from '../../src/server/http-server.js';
import { flood, trickle } from './hostile-client.js';

const MiB = 1024 * 1024;
let servers: BotServer[] = [];
afterEach(async () => {
  for (const s of servers) await s.close(0);
  servers = [];
});

async function start(timeouts?: Partial<ServerTimeouts>): Promise<number> {
  const server = createBotServer({
    log: silentLogger,
    readiness: async () => ({ ready: true, checks: {} }),
    metrics: { render: async () => '', contentType: 'text/plain' },
    // An adapter route that reads its body, as Slack's does.
    routes: [
      async (req, res) => {
        const body = await readBody(req);
        res.writeHead(200).end(String(body.length));
        return true;
      },
    ],
    ...(timeouts ? { timeouts } : {}),
  });
  servers.push(server);
  return server.listen(0, '127.0.0.1');
}

describe('bodies over the limit', () => {
  it('are refused by the declared length on any path, before reading them', async () => {
    const port = await start();
    const result = await flood(port, '/anything', { declaredBytes: 400 * MiB, maxBytes: 64 * MiB });
    expect(result.status).toBe(413);
    expect(result.closed).toBe(true);
    expect(result.bytesSent).toBeLessThan(16 * MiB);
  });
});

describe('slow clients', () => {
  const short: Partial<ServerTimeouts> = { headersMs: 500, requestMs: 1_000, checkEveryMs: 100 };

  it('are cut off when their headers do not finish in time', async () => {
    const port = await start(short);
    // One header line every 200 ms, for 6 s: the headers never end.
    const lines = ['POST /slack/events HTTP/1.1\r\n', ...Array.from({ length: 30 }, (_, i) => `X-Slow-${i}: 1\r\n`)];
    const { closedAfterMs, answer } = await trickle(port, lines, 200);
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs!).toBeLessThan(3_000);
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });

  it('are cut off when their body does not finish in time', async () => {
    const port = await start(short);
    const head = 'POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n';
    const { closedAfterMs } = await trickle(port, [head, ...Array.from({ length: 30 }, () => 'x')], 200);
    expect(closedAfterMs).toBeDefined();
    expect(closedAfterMs!).toBeLessThan(3_000);
  });

  it('that are merely quick get their answer', async () => {
    const port = await start(short);
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: 'hello' });
    expect(await res.text()).toBe('5');
  });
});
