/**
 * One Slack bot on loopback: the real Bolt app in HTTP mode behind a plain node:http server (the
 * adapter's httpRoute), the fake Slack Web API, the real core around the fake Oxen, a real store.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { SlackAdapter } from '../../src/slack/index.js';
import { storeClaims } from '../../src/core/claims.js';
import type { JobStore } from '../../src/core/jobs/store.js';
import { silentLogger, type Logger } from '../../src/core/log.js';
import { startFakeOxen, type FakeOxen, type FakeOxenOptions } from '../fakes/oxen/index.js';
import { SlackSender, startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { eventually, sqliteStore, startCore, type Core, type StoreHandle } from '../helpers/harness.js';
import type { ServerSettings } from '../../src/core/settings/settings.js';

export const SIGNING_SECRET = 'test-signing-secret-123456';
export const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/media/${name}`, import.meta.url)));

export interface Bot {
  adapter: SlackAdapter;
  core: Core;
  server: Server;
  sender: SlackSender;
  /** Stops this bot (adapter, core, server), leaving the fakes and the store running. */
  stop(): Promise<void>;
}

export interface World {
  slack: FakeSlack;
  oxen: FakeOxen;
  handle: StoreHandle;
  bot: Bot;
  /** Starts another bot on the same store and fakes (after a restart). */
  startBot(store?: JobStore): Promise<Bot>;
  close(): Promise<void>;
}

export interface WorldOptions {
  timing?: { queuedMs: number; processingMs: number } | 'manual';
  store?: StoreHandle;
  service?: Parameters<typeof startCore>[0]['service'];
  /** Re-encoding of results over the limit; default none. */
  results?: Parameters<typeof startCore>[0]['results'];
  /** Options of the fake Oxen (the result video, its URLs' lifetime). */
  oxen?: FakeOxenOptions;
  /** FFmpeg for converting references; default none. */
  media?: Parameters<typeof startCore>[0]['media'];
  /** Serve hosted references on loopback (for a fake Oxen with `fetchInputs`); default off. */
  serveReferences?: boolean;
  /** Lasting links to finished videos (recall shows them); default none (no public address). */
  linkFor?: Parameters<typeof startCore>[0]['linkFor'];
  user?: string;
  channel?: string;
  /** The adapter's logger (default silent). */
  log?: Logger;
  /** Servers' (workspaces') and channels' settings for each bot started; default none. */
  serverSettings?: (store: JobStore) => ServerSettings;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const slack = await startFakeSlack();
  const oxen = await startFakeOxen({ timing: options.timing ?? { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000, ...options.oxen });
  const handle = options.store ?? sqliteStore();
  const bots: Bot[] = [];

  async function startBot(store: JobStore = handle.store): Promise<Bot> {
    const adapter = new SlackAdapter(
      { botToken: slack.botToken, signingSecret: SIGNING_SECRET, apiUrl: slack.url },
      { log: options.log ?? silentLogger, throttle: { perChannelMs: 20, perSecond: 1_000, burst: 1_000 }, retries: 0 },
    );
    const serverSettings = options.serverSettings?.(store);
    const core = await startCore({ fake: oxen, store, port: adapter.port, ...(serverSettings ? { serverSettings } : {}), ...(options.service ? { service: options.service } : {}), ...(options.media ? { media: options.media } : {}), ...(options.results ? { results: options.results } : {}), ...(options.serveReferences ? { serveReferences: true } : {}), ...(options.linkFor ? { linkFor: options.linkFor } : {}) });
    await adapter.start({ service: core.service, log: silentLogger, claims: storeClaims(store) });
    const settingsCloser = serverSettings ? () => serverSettings.close() : async () => undefined;
    const server = createServer((req, res) => {
      void Promise.resolve(adapter.httpRoute!(req, res)).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    const sender = new SlackSender(url, SIGNING_SECRET, { teamId: 'T1', channel: options.channel ?? 'C1', user: options.user ?? 'U1', responseUrl: () => slack.responseUrl() });
    let stopped = false;
    const bot: Bot = {
      adapter,
      core,
      server,
      sender,
      async stop() {
        if (stopped) return;
        stopped = true;
        adapter.stopAccepting();
        await core.stop();
        await settingsCloser();
        await adapter.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
    bots.push(bot);
    return bot;
  }

  const bot = await startBot();
  return {
    slack,
    oxen,
    handle,
    bot,
    startBot,
    async close() {
      for (const b of bots) await b.stop();
      await handle.store.close();
      await handle.cleanup();
      await oxen.close();
      await slack.close();
    },
  };
}

/** The state of a job, through the service. */
export async function stateOf(core: Core, id: string): Promise<string> {
  const status = await core.service.status(id);
  return status.ok ? status.value.job.state : 'missing';
}

/** The one job a person has, once it exists. */
export async function onlyJob(core: Core, user = 'U1') {
  let jobs: Awaited<ReturnType<Core['service']['list']>> = [];
  await eventually(async () => (jobs = await core.service.list({ platform: 'slack', userId: user })).length > 0, 5_000, 'a job');
  return jobs[0]!.job;
}

export { eventually };
