/**
 * Nothing is fetched before the cheap checks: the person's limit, the budget, the file count and
 * the sizes the platform declares refuse a request before a single request reaches the files
 * (counted at a loopback file server), and the bytes downloaded at once across all requests stay
 * under a cap, with later downloads waiting rather than failing. Real service, engine, SQLite
 * store and fake Oxen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { userSet } from '../../../src/core/jobs/engine.js';
import { budgetCounter, budgetDay } from '../../../src/core/jobs/budget.js';
import { DownloadGate } from '../../../src/core/references/download-gate.js';
import { MB } from '../../../src/core/references/limits.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { DEFAULT_OPTIONS, type GenerationOptions } from '../../../src/core/request.js';
import { VideoService, type SubmitInput } from '../../../src/core/service.js';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { sqliteStore, startCore } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';
import { startFileServer } from './file-server.js';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(service: Parameters<typeof startCore>[0]['service'] = {}) {
  const fake = await startFakeOxen({ timing: 'manual' });
  const handle = sqliteStore();
  const port = new RecordingPort();
  const core = await startCore({ fake, store: handle.store, port, service });
  const files = await startFileServer();
  cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => core.stop(), () => files.close());
  return { fake, store: handle.store, port, core, files };
}

const requester = (userId = 'alice') => ({ platform: 'discord' as const, userId, scopeId: 'guild-1' });
const input = (attachments: readonly IncomingAttachment[], options: Partial<GenerationOptions> = {}, userId = 'alice'): SubmitInput => ({
  request: { prompt: 'a cat plays the piano', options: { ...DEFAULT_OPTIONS, ...options } },
  attachments,
  requester: requester(userId),
  destination: { platform: 'discord', channelId: 'channel-1' },
});

describe('the cheap checks come before any download', () => {
  it('a person at their limit with 9 large attachments is refused with nothing downloaded', async () => {
    const { store, core, files } = await setUp({ perUserLimit: 1 });
    await store.joinCapped(userSet({ requester: requester() }), 'busy01', 1);
    const nine = Array.from({ length: 9 }, (_, i) => files.attachment(`big-${i + 1}.png`, 28 * MB));
    const result = await core.service.submit(input(nine));
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual(['quota.user_in_flight']);
    expect(files.requests).toBe(0);
  });

  it('30 files get the file-count refusal, with any option problem, before any download', async () => {
    const { core, files } = await setUp();
    const thirty = Array.from({ length: 30 }, (_, i) => files.attachment(`pic-${i + 1}.png`, 2_000));
    const result = await core.service.submit(input(thirty, { tier: 'fast', resolution: '4k' }));
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems.map((p) => p.code).sort()).toEqual(['model.unsupported_value', 'reference.too_many_files']);
    expect(problems.find((p) => p.code === 'reference.too_many_files')?.params).toMatchObject({ count: 30, max: 12 });
    expect(files.requests).toBe(0);
  });

  it('a file declared bigger than any reference may be is refused before the others are fetched', async () => {
    const { core, files } = await setUp();
    const result = await core.service.submit(input([files.attachment('a.png', 2_000), files.attachment('huge.mp4', 2_000, 80 * MB), files.attachment('b.png', 2_000)]));
    expect(result.ok ? [] : result.problems).toEqual([
      expect.objectContaining({ code: 'reference.file_too_large', file: 'huge.mp4', params: expect.objectContaining({ bytes: 80 * MB }) }),
    ]);
    expect(files.requests).toBe(0);
  });

  it('a spent daily budget refuses before any download, and holds nothing', async () => {
    const { store, core, files } = await setUp({ budget: { videoSecondsPerDay: 20 } });
    const counter = budgetCounter({ requester: requester(), reservation: { day: budgetDay(Date.now()) } }, 'seconds');
    await store.reserve(counter, 15, 20, 60_000);
    const result = await core.service.submit(input([files.attachment('a.png', 2_000)], { duration: 8 }));
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual(['quota.budget_exhausted']);
    expect(files.requests).toBe(0);
    expect(await store.counterValue(counter)).toBe(15);
    expect(await store.members(userSet({ requester: requester() }))).toEqual([]);
  });

  it('files that pass are downloaded once each, and the job is admitted', async () => {
    const { fake, core, files } = await setUp();
    const result = await core.service.submit(input([files.attachment('a.png', 3_000), files.attachment('b.png', 4_000)]));
    expect(result.ok, JSON.stringify(result)).toBe(true);
    expect(files.requests).toBe(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
  });
});

describe('a global cap on bytes downloaded at once', () => {
  it('holds under concurrent submits from many people, who all get their job (waiting, not failing)', async () => {
    const { store, core, files } = await setUp();
    const gate = new DownloadGate(2.5 * MB);
    const ports = new Map([['discord', new RecordingPort()]]);
    const service = new VideoService({ store, schemas: core.schemas, engine: core.engine, ports, references: core.host.files, downloads: gate });
    const submits = Array.from({ length: 6 }, (_, i) =>
      service.submit(input([files.attachment(`p${i}-1.png`, 1 * MB), files.attachment(`p${i}-2.png`, 1 * MB), files.attachment(`p${i}-3.png`, 1 * MB)], {}, `person-${i}`)),
    );
    const results = await Promise.all(submits);
    expect(results.map((r) => (r.ok ? 'ok' : r.problems.map((p) => p.code).join()))).toEqual(Array(6).fill('ok'));
    expect(files.requests).toBe(18);
    expect(files.maxActiveBytes).toBeLessThanOrEqual(2.5 * MB);
    // Downloads did overlap up to the cap: two files at once.
    expect(files.maxActiveBytes).toBeGreaterThanOrEqual(2 * MB);
    expect(gate.inUseBytes).toBe(0);
  });
});
