/**
 * The FFmpeg binding (node-av) cannot load (an unsupported platform, stood for here by the real
 * loader given an importer that fails as a missing native package does): the real app still
 * starts, says once at start-up that conversion is off, and refuses what the model does not take
 * exactly as before conversion existed, while files the model takes still make a job.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/core/config.js';
import { loadMediaBinding } from '../../src/core/media/binding.js';
import { startFakeOxen } from '../fakes/oxen/index.js';
import { FAST_ENGINE } from '../helpers/harness.js';
import { FIXTURES } from '../helpers/media-fixtures.js';
import { captureLog } from './helpers.js';
import { TestAdapter } from './test-adapter.js';

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

const missingPackage = () => Promise.reject(new Error("Cannot find module '@seydx/node-av-linux-x64'\nRequire stack: ..."));

describe('the FFmpeg binding cannot load', () => {
  it('the bot starts, says once that conversion is off, and refuses what it cannot take as before', { timeout: 60_000 }, async () => {
    const fake = await startFakeOxen();
    const dataDir = mkdtempSync(join(tmpdir(), 'seedance-media-off-'));
    cleanups.push(() => fake.close(), () => rmSync(dataDir, { recursive: true, force: true }));
    const captured = captureLog();
    const adapter = new TestAdapter();
    const config = loadConfig({ OXEN_API_KEY: fake.apiKey, OXEN_BASE_URL: fake.url, PUBLIC_BASE_URL: 'https://bot.example.com', DATA_DIR: dataDir, PORT: '0', SHUTDOWN_GRACE_SECONDS: '2' });
    const app = createApp(config, { adapters: [adapter], log: captured.log, engine: FAST_ENGINE, host: '127.0.0.1', processMetrics: false, mediaBinding: () => loadMediaBinding(missingPackage) });
    cleanups.push(() => app.shutdown('test'));
    await app.start();

    const off = captured.lines().filter((l) => l['msg'] === 'media.conversion_off' || l['event'] === 'media.conversion_off' || JSON.stringify(l).includes('media.conversion_off'));
    expect(off).toHaveLength(1);
    expect(JSON.stringify(off[0])).toContain('could not load: Cannot find module');

    const avif = await FIXTURES.avif();
    const refused = await adapter.submit('@photo.avif dances', [{ name: 'photo.avif', size: avif.byteLength, download: async () => avif }]);
    expect(refused).not.toBe('restarting');
    if (refused === 'restarting' || refused.ok) throw new Error('expected a refusal');
    expect(refused.problems.map((p) => [p.file, p.code])).toEqual([['photo.avif', 'reference.unsupported_type']]);

    const cat = new Uint8Array(readFileSync(new URL('../fixtures/media/cat.png', import.meta.url)));
    const accepted = await adapter.submit('@cat.png dances', [{ name: 'cat.png', size: cat.byteLength, download: async () => cat }]);
    expect(accepted !== 'restarting' && accepted.ok).toBe(true);
    expect(JSON.stringify(captured.lines())).not.toContain('media.conversion_on');
  });
});
