/**
 * One Slack bot in Socket Mode on loopback: the real Bolt app and @slack/socket-mode client
 * (SlackAdapter with an app-level token) connected to the fake Slack's Socket Mode endpoint, the
 * real core around the fake Oxen, a real store. Envelopes go in through `slack.socketMode`.
 */
import { storeClaims } from '../../src/core/claims.js';
import { silentLogger, type Logger } from '../../src/core/log.js';
import { checkReadiness } from '../../src/server/readiness.js';
import { SlackAdapter } from '../../src/slack/index.js';
import type { SocketBackoff } from '../../src/slack/socket.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { startFakeSlack, type FakeSlack } from '../fakes/slack/index.js';
import { sqliteStore, startCore, type Core, type StoreHandle } from '../helpers/harness.js';

export interface SocketBot {
  adapter: SlackAdapter;
  core: Core;
  /** What /readyz would answer, from the real readiness check with this adapter. */
  ready(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface SocketWorld {
  slack: FakeSlack;
  oxen: FakeOxen;
  handle: StoreHandle;
  bot: SocketBot;
  close(): Promise<void>;
}

export interface SocketWorldOptions {
  timing?: { queuedMs: number; processingMs: number } | 'manual';
  log?: Logger;
  appToken?: string;
  socketBackoff?: Partial<SocketBackoff>;
}

export async function startSocketWorld(options: SocketWorldOptions = {}): Promise<SocketWorld> {
  const slack = await startFakeSlack();
  const oxen = await startFakeOxen({ timing: options.timing ?? { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  const handle = sqliteStore();
  const adapter = new SlackAdapter(
    { botToken: slack.botToken, appToken: options.appToken ?? slack.appToken, apiUrl: slack.url },
    { log: options.log ?? silentLogger, throttle: { perChannelMs: 20, perSecond: 1_000, burst: 1_000 }, retries: 0, socketBackoff: { firstMs: 200, maxMs: 1_000, ...options.socketBackoff } },
  );
  const core = await startCore({ fake: oxen, store: handle.store, port: adapter.port });
  let stopped = false;
  const bot: SocketBot = {
    adapter,
    core,
    ready: async () => (await checkReadiness({ lifecycle: () => 'running', store: handle.store, adapters: [adapter], streamConnected: () => true })).ready,
    async stop() {
      if (stopped) return;
      stopped = true;
      adapter.stopAccepting();
      await core.stop();
      await adapter.close();
    },
  };
  const close = async () => {
    await bot.stop();
    await handle.store.close();
    await handle.cleanup();
    await oxen.close();
    await slack.close();
  };
  try {
    await adapter.start({ service: core.service, log: silentLogger, claims: storeClaims(handle.store) });
  } catch (error) {
    await close();
    throw error;
  }
  return { slack, oxen, handle, bot, close };
}
