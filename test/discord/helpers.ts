/**
 * One Discord test world: the fake Discord (REST + gateway), the fake Oxen, the real core and
 * store, and the real adapter with the real discord.js Client logged in to the fake.
 */
import { readFileSync } from 'node:fs';
import type { PlatformAdapter } from '../../src/core/adapter.js';
import { storeClaims } from '../../src/core/claims.js';
import type { Logger } from '../../src/core/log.js';
import { createDiscordAdapter, type DiscordAdapterDeps } from '../../src/discord/index.js';
import { startFakeDiscord, type FakeDiscord, type FakeDiscordOptions, type FakeUser, type RecordedCall } from '../fakes/discord/index.js';
import { startFakeOxen, type FakeOxen, type FakeOxenOptions } from '../fakes/oxen/index.js';
import { sqliteStore, startCore, type Core, type StoreHandle } from '../helpers/harness.js';
import type { JobStore } from '../../src/core/jobs/store.js';
import type { ServerSettings } from '../../src/core/settings/settings.js';

export const ANN: FakeUser = { id: '400000000000000001', username: 'ann' };
export const BOB: FakeUser = { id: '400000000000000002', username: 'bob' };

export const media = (file: string) => new Uint8Array(readFileSync(new URL(`../fixtures/media/${file}`, import.meta.url)));

/** A logger that keeps every line, to check nothing secret or alarming was written. */
export function memoryLogger(lines: { level: string; event: string; fields?: unknown }[] = []): Logger & { lines: typeof lines } {
  const make = (): Logger => ({
    debug: (event, fields) => lines.push({ level: 'debug', event, fields }),
    info: (event, fields) => lines.push({ level: 'info', event, fields }),
    warn: (event, fields) => lines.push({ level: 'warn', event, fields }),
    error: (event, fields) => lines.push({ level: 'error', event, fields }),
    child: () => make(),
  });
  return Object.assign(make(), { lines });
}

export interface World {
  discord: FakeDiscord;
  oxen: FakeOxen;
  handle: StoreHandle;
  core: Core;
  adapter: PlatformAdapter;
  log: ReturnType<typeof memoryLogger>;
  /** Starts another adapter + core on the same fakes and store data (a restart). */
  restart(): Promise<{ core: Core; adapter: PlatformAdapter }>;
  close(): Promise<void>;
}

export interface WorldOptions {
  discord?: FakeDiscordOptions;
  oxen?: FakeOxenOptions;
  store?: StoreHandle;
  messageContentIntent?: boolean;
  adapter?: Partial<DiscordAdapterDeps>;
  service?: Parameters<typeof startCore>[0]['service'];
  /** Re-encoding of results over the limit; default none. */
  results?: Parameters<typeof startCore>[0]['results'];
  /** FFmpeg for converting references; default none. */
  media?: Parameters<typeof startCore>[0]['media'];
  /** Serve hosted references on loopback (for a fake Oxen with `fetchInputs`); default off. */
  serveReferences?: boolean;
  /** Lasting links to finished videos (recall shows them); default none (no public address). */
  linkFor?: Parameters<typeof startCore>[0]['linkFor'];
  /** Servers' and channels' settings for each start (a restart opens them again); default none. */
  serverSettings?: (store: JobStore) => ServerSettings;
}

export async function startWorld(options: WorldOptions = {}): Promise<World> {
  const discord = await startFakeDiscord(options.discord);
  const oxen = await startFakeOxen({ timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000, ...options.oxen });
  const handle = options.store ?? sqliteStore();
  const log = memoryLogger();
  const closers: (() => Promise<unknown>)[] = [];

  const launch = async (store = handle.store) => {
    const adapter = createDiscordAdapter(
      { token: discord.token, applicationId: discord.applicationId, apiUrl: discord.url, messageContentIntent: options.messageContentIntent ?? true },
      { log, statusEdits: { channelIntervalMs: 20, perSecond: 500, tickMs: 10 }, readyTimeoutMs: 10_000, ...options.adapter },
    );
    const serverSettings = options.serverSettings?.(store);
    const core = await startCore({ fake: oxen, store, port: adapter.port, ...(options.service ? { service: options.service } : {}), ...(serverSettings ? { serverSettings } : {}), ...(options.media ? { media: options.media } : {}), ...(options.results ? { results: options.results } : {}), ...(options.serveReferences ? { serveReferences: true } : {}), ...(options.linkFor ? { linkFor: options.linkFor } : {}) });
    await adapter.start({ service: core.service, log, claims: storeClaims(store) });
    closers.push(async () => {
      await adapter.close();
      await core.stop();
      await serverSettings?.close();
      if (store !== handle.store) await store.close();
    });
    return { core, adapter };
  };
  const first = await launch();
  return {
    discord,
    oxen,
    handle,
    log,
    ...first,
    async restart() {
      const closeFirst = closers.shift();
      await closeFirst?.();
      return launch(handle.reopen());
    },
    async close() {
      for (const close of closers.reverse()) await close();
      await handle.store.close();
      await handle.cleanup();
      await oxen.close();
      await discord.close();
    },
  };
}

/** The body of the n-th matching call. */
export const bodies = (calls: RecordedCall[]) => calls.map((c) => c.json);

/** Messages the bot posted into a channel or thread (REST calls that succeeded). */
export function postsTo(discord: FakeDiscord, channelId: string): RecordedCall[] {
  return discord.calls.filter((c) => c.route === 'createMessage' && c.path === `/channels/${channelId}/messages` && c.status === 200);
}

/** The ephemeral answer to an interaction (edit of the deferred reply), once it is there. */
export async function answerTo(discord: FakeDiscord, interaction: { token: string }, ms = 8_000): Promise<string> {
  const call = await discord.waitForCall((c) => c.route === 'webhookEditOriginal' && c.path.includes(interaction.token), ms, 'the answer to the interaction');
  return String(call.json?.content ?? '');
}
