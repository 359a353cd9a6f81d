/** Starts the real app (createApp) around a fake Oxen, a TestAdapter and a temporary store. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app.js';
import type { PlatformAdapter } from '../../src/core/adapter.js';
import { loadConfig } from '../../src/core/config.js';
import type { JobStore } from '../../src/core/jobs/store.js';
import { createLogger, type Logger } from '../../src/core/log.js';
import type { FakeOxen } from '../fakes/oxen/index.js';
import { FAST_ENGINE } from '../helpers/harness.js';
import { TestAdapter } from './test-adapter.js';

export interface TestApp {
  app: App;
  adapter: TestAdapter;
  url: string;
  dataDir: string;
  get(path: string): Promise<{ status: number; text: string; json: () => unknown; type: string | null }>;
  stop(): Promise<void>;
}

/** Log lines written to memory, parsed on demand. */
export function captureLog(secrets: string[] = [], level: 'debug' | 'info' = 'debug'): { log: Logger; text: () => string; lines: () => Record<string, unknown>[] } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const log = createLogger({ level, secrets, destination: sink });
  return { log, text: () => text, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

export async function startTestApp(options: {
  fake: Pick<FakeOxen, 'url' | 'apiKey'>;
  env?: Record<string, string>;
  adapter?: TestAdapter;
  extraAdapters?: PlatformAdapter[];
  log?: Logger;
  store?: JobStore;
  dataDir?: string;
  start?: boolean;
}): Promise<TestApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'seedance-app-'));
  const config = loadConfig({
    OXEN_API_KEY: options.fake.apiKey,
    OXEN_BASE_URL: options.fake.url,
    PUBLIC_BASE_URL: 'https://bot.example.com',
    DATA_DIR: dataDir,
    PORT: '0',
    SHUTDOWN_GRACE_SECONDS: '2',
    ...options.env,
  });
  const adapter = options.adapter ?? new TestAdapter();
  const app = createApp(config, {
    adapters: [adapter, ...(options.extraAdapters ?? [])],
    log: options.log ?? captureLog().log,
    ...(options.store ? { store: options.store } : {}),
    engine: FAST_ENGINE,
    oxen: { timeouts: { requestMs: 2_000, eventsIdleMs: 5_000 }, retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 50 } },
    host: '127.0.0.1',
    processMetrics: false,
  });
  if (options.start !== false) await app.start();
  const url = () => `http://127.0.0.1:${app.port}`;
  return {
    app,
    adapter,
    get url() {
      return url();
    },
    dataDir,
    async get(path) {
      const res = await fetch(`${url()}${path}`);
      const text = await res.text();
      return { status: res.status, text, json: () => JSON.parse(text) as unknown, type: res.headers.get('content-type') };
    },
    async stop() {
      await app.shutdown('test over');
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
