/** Builds the real core — store, Oxen client, schemas, reference host, engine, service — around a fake Oxen. */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ResultDelivery } from '../../src/core/jobs/delivery-fit.js';
import { JobEngine, type EngineSettings } from '../../src/core/jobs/engine.js';
import { RedisJobStore } from '../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../../src/core/jobs/store.js';
import type { PlatformPort } from '../../src/core/jobs/ports.js';
import { ModelSchemas } from '../../src/core/models/schemas.js';
import { OxenClient } from '../../src/core/oxen/client.js';
import { SelfReferenceHost } from '../../src/core/references/self-host.js';
import type { ReferenceStore } from '../../src/core/references/reference-store.js';
import type { MediaConverter } from '../../src/core/media/converter.js';
import { VideoService, type ServiceSettings, type Submitted, type SubmitInput } from '../../src/core/service.js';
import { DEFAULT_OPTIONS } from '../../src/core/request.js';
import { oxenResults } from '../../src/core/recall/remix.js';
import type { ServerSettings } from '../../src/core/settings/settings.js';
import type { Result } from '../../src/core/result.js';
import type { FakeOxen } from '../fakes/oxen/index.js';
import { dropRedisPrefix, REDIS_URL } from './redis.js';

export const FAST_ENGINE: Partial<EngineSettings> = {
  tickMs: 20,
  listEveryMs: 300,
  pollWithoutStreamMs: 100,
  confirmDelayMs: 100,
  progressIntervalMs: 50,
  leaseTtlMs: 1_000,
  leaseRenewMs: 200,
  deliveryRetry: { maxAttempts: 6, baseDelayMs: 50, maxDelayMs: 400 },
  positionsTtlMs: 50,
  deliveryLeaseMs: 2_000,
};

export interface StoreHandle {
  store: JobStore;
  /** Opens another handle on the same data (a restart, or a second instance). */
  reopen(): JobStore;
  cleanup(): Promise<void>;
}

export function sqliteStore(dir = mkdtempSync(join(tmpdir(), 'seedance-engine-'))): StoreHandle {
  return {
    store: new SqliteJobStore(dir),
    reopen: () => new SqliteJobStore(dir),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function redisStore(prefix = `test-${randomUUID()}`): StoreHandle {
  return { store: new RedisJobStore(REDIS_URL, prefix), reopen: () => new RedisJobStore(REDIS_URL, prefix), cleanup: () => dropRedisPrefix(prefix) };
}

export interface Core {
  oxen: OxenClient;
  schemas: ModelSchemas;
  host: SelfReferenceHost;
  engine: JobEngine;
  service: VideoService;
  errors: { step: string; error: unknown }[];
  stop(): Promise<void>;
}

export async function startCore(options: {
  /** Only where the fake listens is needed, so a child process can pass a fake run by its parent. */
  fake: Pick<FakeOxen, 'url' | 'apiKey'>;
  store: JobStore;
  port: PlatformPort;
  engine?: Partial<EngineSettings>;
  service?: Partial<ServiceSettings>;
  start?: boolean;
  /** Where jobs' files wait and are served from; default this process's memory. */
  references?: ReferenceStore;
  /** Servers' and channels' settings (src/core/settings); default none. */
  serverSettings?: ServerSettings;
  /** Re-encoding of results over the limit and links to originals; default none (a link, as before). */
  results?: ResultDelivery;
  /** FFmpeg for converting references (src/core/media/converter.ts); default none: refused as before. */
  media?: MediaConverter;
  /**
   * Serve the hosted references on a loopback server (the bot's `/references/` route), so a fake
   * Oxen with `fetchInputs` downloads them; default off: URLs on https://bot.example.com nobody serves.
   */
  serveReferences?: boolean;
  /** Lasting links to finished videos (ResultLinks.linkFor); default none (no public address). */
  linkFor?: ConstructorParameters<typeof VideoService>[0]['linkFor'];
}): Promise<Core> {
  const oxen = new OxenClient({ baseUrl: options.fake.url, apiKey: options.fake.apiKey, timeouts: { requestMs: 2_000, eventsIdleMs: 5_000 }, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 } });
  const schemas = new ModelSchemas(oxen);
  const served = options.serveReferences ? await referenceServer() : undefined;
  const host = new SelfReferenceHost({ publicBaseUrl: served?.url ?? 'https://bot.example.com', ...(options.references ? { files: options.references } : {}) });
  served?.route((req, res) => host.handle(req, res));
  const ports = new Map([[options.port.platform, options.port]]);
  const errors: Core['errors'] = [];
  const engine = new JobEngine(
    { store: options.store, oxen, host, ports, relaunch: VideoService.relaunch(schemas, host.files), onError: (error, { step }) => errors.push({ step, error }), ...(options.results ? { results: options.results } : {}) },
    { ...FAST_ENGINE, ...options.engine },
  );
  const service = new VideoService({ store: options.store, schemas, engine, ports, references: host.files, results: oxenResults(oxen), ...(options.linkFor ? { linkFor: options.linkFor } : {}), ...(options.serverSettings ? { serverSettings: options.serverSettings } : {}), ...(options.media ? { media: options.media } : {}) }, options.service);
  if (options.start !== false) await engine.start();
  return {
    oxen,
    schemas,
    host,
    engine,
    service,
    errors,
    async stop() {
      await engine.stop();
      await served?.close();
      await host.close();
    },
  };
}

/** A loopback HTTP server whose handler is set once the reference host exists. */
async function referenceServer() {
  let handler: (req: IncomingMessage, res: ServerResponse) => Promise<boolean> = async () => false;
  const server = createServer((req, res) => {
    handler(req, res).then(
      (handled) => void (handled || res.writeHead(404).end()),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    route: (next: typeof handler) => void (handler = next),
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Polls `check` until it is true or `ms` pass. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 5_000, what = 'condition'): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A text-only request from `user` in one Discord channel, for tests of the core. */
export const textRequest = (prompt: string, user = 'u1'): SubmitInput => ({
  request: { prompt, options: DEFAULT_OPTIONS },
  attachments: [],
  requester: { platform: 'discord', userId: user, scopeId: 'guild-1' },
  destination: { platform: 'discord', channelId: 'channel-1' },
});

/** The submitted job, or a throw naming the problems. */
export function submitted(result: Result<Submitted>): Submitted {
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}
