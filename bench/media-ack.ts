/**
 * Acknowledgements while references are converted: two 10 s 1080p clips converting at once (the
 * converter's pool of 2, real FFmpeg through node-av), and meanwhile `/video` commands at 20 per
 * second, alternately a Discord interaction (dispatch on the fake gateway -> defer callback at the
 * fake REST, the real discord.js client) and a signed Slack slash command (request -> Bolt's HTTP
 * ack). The real core against the fake Oxen, SQLite stores. Prints p50/p99/max of both while the
 * conversions ran, and the event loop's delay. Goal: p99 < 100 ms for both.
 *
 *   npm run bench:media-ack
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeClaims } from '../src/core/claims.js';
import { SqliteJobStore } from '../src/core/jobs/store-sqlite.js';
import { silentLogger } from '../src/core/log.js';
import { createMediaConverter } from '../src/core/media/converter.js';
import { DEFAULT_OPTIONS } from '../src/core/request.js';
import { createDiscordAdapter } from '../src/discord/index.js';
import { SlackAdapter } from '../src/slack/index.js';
import { slashCommand, startFakeDiscord } from '../test/fakes/discord/index.js';
import { startFakeOxen } from '../test/fakes/oxen/index.js';
import { SlackSender, startFakeSlack } from '../test/fakes/slack/index.js';
import { startCore } from '../test/helpers/harness.js';
import { clock, fmt, percentile, Sampler, sleep } from './lib.js';
import { BENCH_CLIPS } from './media-clips.js';

const RATE = 20;
const SECRET = 'bench-signing-secret';

const progress = (text: string) => process.stderr.write(`${text}\n`);
const clipBytes = await BENCH_CLIPS.h264_1080p();
const converter = createMediaConverter({ concurrency: 2, timeoutMs: 600_000 });
const off = await converter.unavailable();
if (off) throw new Error(off);

const oxen = await startFakeOxen({ timing: 'manual', recordRequests: false });
const dirs = [mkdtempSync(join(tmpdir(), 'seedance-bench-ack-')), mkdtempSync(join(tmpdir(), 'seedance-bench-ack-'))];
const stores = dirs.map((d) => new SqliteJobStore(d));
const discord = await startFakeDiscord({ record: false });
const discordAdapter = createDiscordAdapter({ token: discord.token, applicationId: discord.applicationId, apiUrl: discord.url, messageContentIntent: false }, { log: silentLogger });
const discordCore = await startCore({ fake: oxen, store: stores[0]!, port: discordAdapter.port, service: { perUserLimit: 5 }, media: converter });
await discordAdapter.start({ service: discordCore.service, log: silentLogger, claims: storeClaims(stores[0]!) });
const slack = await startFakeSlack();
const slackAdapter = new SlackAdapter({ botToken: slack.botToken, signingSecret: SECRET, apiUrl: slack.url }, { log: silentLogger });
const slackCore = await startCore({ fake: oxen, store: stores[1]!, port: slackAdapter.port, service: { perUserLimit: 5 }, media: converter });
await slackAdapter.start({ service: slackCore.service, log: silentLogger, claims: storeClaims(stores[1]!) });
const server = createServer((req, res) => void slackAdapter.httpRoute!(req, res));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const sender = new SlackSender(`http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`, SECRET, { teamId: 'T1', channel: 'C1', user: 'U1', responseUrl: () => slack.responseUrl() });

const deferAt = new Map<string, number>();
const defers: number[] = [];
discord.onCall = (call) => {
  if (call.route !== 'interactionCallback') return;
  const at = deferAt.get(call.path.split('/')[2]!);
  if (at !== undefined) defers.push(clock() - at);
};
const acks: number[] = [];

// Two conversions at once: each a request whose clip must be converted (1080p -> 720p) before it is admitted.
const sampler = new Sampler();
sampler.resetLoop();
const conversionsStarted = clock();
let converting = 2;
const conversions = [1, 2].map(async (n) => {
  const result = await discordCore.service.submit({
    request: { prompt: `@clip${n}.mp4 as a painting`, options: DEFAULT_OPTIONS },
    attachments: [{ name: `clip${n}.mp4`, size: clipBytes.byteLength, contentType: 'video/mp4', download: async () => clipBytes }],
    requester: { platform: 'discord', userId: `70000${n}`, scopeId: discord.guildId },
    destination: { platform: 'discord', channelId: discord.channelId },
  });
  converting--;
  progress(`conversion ${n} admitted after ${fmt((clock() - conversionsStarted) / 1000, 1)} s: ${result.ok ? 'ok' : 'refused'}`);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return (clock() - conversionsStarted) / 1000;
});

progress('load starts');
let i = 0;
const loadStart = clock();
const pending: Promise<unknown>[] = [];
while (converting > 0) {
  const due = loadStart + (i * 1000) / RATE;
  const wait = due - clock();
  if (wait > 0) await sleep(wait);
  if (i % 2 === 0) {
    const payload = slashCommand(discord.context({ id: `80000${i}`, username: `bench${i}` }), 'video', [{ name: 'prompt', type: 3, value: `bench ${i}: a fox in snow` }]);
    deferAt.set(payload.id, clock());
    void discord.dispatchInteraction(payload);
  } else {
    pending.push(sender.command(`bench ${i}: a heron at dawn`, { user_id: `UB${i}` }).then((r) => acks.push(r.ms)));
  }
  i++;
}
const conversionSeconds = await Promise.all(conversions);
await Promise.all(pending);
await sleep(500);
const loop = sampler.loop();
sampler.stop();

const row = (name: string, values: number[]) => `${name}: n ${values.length}, p50 ${fmt(percentile(values, 50), 1)} ms, p99 ${fmt(percentile(values, 99), 1)} ms, max ${fmt(Math.max(...values), 1)} ms`;
console.log(`two 10 s 1080p conversions at once, done after ${conversionSeconds.map((s) => fmt(s, 1)).join(' s and ')} s; ${i} commands at ${RATE}/s meanwhile`);
console.log(row('Discord defer', defers));
console.log(row('Slack ack    ', acks));
console.log(`event loop delay: p50 ${fmt(loop.p50, 1)} ms, p99 ${fmt(loop.p99, 1)} ms, max ${fmt(loop.max, 1)} ms`);
console.log(`goal p99 < 100 ms: Discord ${percentile(defers, 99) < 100 ? 'met' : 'NOT met'}, Slack ${percentile(acks, 99) < 100 ? 'met' : 'NOT met'}`);

server.close();
slackAdapter.stopAccepting();
discordAdapter.stopAccepting();
await Promise.all([discordCore.stop(), slackCore.stop()]);
await Promise.all([discordAdapter.close(), slackAdapter.close()]);
for (const store of stores) await store.close();
for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
converter.close();
await Promise.all([oxen.close(), discord.close(), slack.close()]);
process.exit(0);
