/**
 * An unsigned 400 MiB POST to /slack/events, declared and chunked, against the real Slack route
 * (Bolt's receiver behind the adapter) on loopback: prints the answer, how much the client got
 * onto the wire before it, and the process's RSS before and at its peak (client and server share
 * this process, so the figure is an upper bound). Before the body limit, the whole body was read.
 *
 *   npm run bench:slack-flood
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger } from '../src/core/log.js';
import { SlackAdapter } from '../src/slack/index.js';
import { startFakeSlack } from '../test/fakes/slack/index.js';
import { flood } from '../test/server/hostile-client.js';

const MiB = 1024 * 1024;
const slack = await startFakeSlack();
const adapter = new SlackAdapter({ botToken: slack.botToken, signingSecret: 'bench-signing-secret', apiUrl: slack.url }, { log: silentLogger });
// The route only needs the adapter started (auth.test); no request here gets past the signature.
await adapter.start({ service: undefined as never, log: silentLogger });
const server = createServer((req, res) => void Promise.resolve(adapter.httpRoute!(req, res)).then((handled) => handled || res.writeHead(404).end()));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = (server.address() as AddressInfo).port;

const before = process.memoryUsage().rss;
let peak = before;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
for (const [name, declaredBytes] of [['declared', 400 * MiB], ['chunked', undefined]] as const) {
  const result = await flood(port, '/slack/events', { maxBytes: 400 * MiB, ...(declaredBytes ? { declaredBytes } : {}) });
  console.log(`${name.padEnd(9)} answer ${result.status ?? 'none'}, ${(result.bytesSent / MiB).toFixed(1)} MiB sent before it, connection closed: ${result.closed}`);
}
clearInterval(sampler);
console.log(`RSS before ${(before / MiB).toFixed(0)} MiB, peak ${(peak / MiB).toFixed(0)} MiB (+${((peak - before) / MiB).toFixed(0)} MiB for 2 × 400 MiB offered)`);
server.close();
await adapter.close();
await slack.close();
