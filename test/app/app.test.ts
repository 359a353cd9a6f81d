/** createApp's life cycle: start order, a platform that cannot start, and the shutdown steps. */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { captureLog, startTestApp } from './helpers.js';
import { TestAdapter } from './test-adapter.js';

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function fakeOxen() {
  const fake = await startFakeOxen();
  cleanups.push(() => fake.close());
  return fake;
}

describe('createApp', () => {
  it('applies the operator settings to the service and the engine', async () => {
    const fake = await fakeOxen();
    const t = await startTestApp({
      fake,
      env: { MAX_JOBS_PER_USER: '3', MAX_RUNNING_JOBS: '7', JOB_TIMEOUT_MINUTES: '12', DAILY_VIDEO_SECONDS: '600', DAILY_BUDGET_USD: '25', BOT_ADMINS: 'discord:123456789012345678,slack:U0123ABCD' },
      start: false,
    });
    cleanups.push(() => t.stop());
    expect(t.app.service.settings).toMatchObject({ perUserLimit: 3, budget: { videoSecondsPerDay: 600, usdPerDay: 25 } });
    expect([...t.app.service.settings.admins]).toEqual(['discord:123456789012345678', 'slack:U0123ABCD']);
    expect(t.app.service.isAdmin({ platform: 'slack', userId: 'U0123ABCD' })).toBe(true);
    expect(t.app.engine.settings.globalLimit).toBe(7);
    expect(t.app.engine.settings.deadlineMs).toBe(12 * 60_000);
  });

  it('a platform that cannot start makes start() fail with its reason; shutdown still cleans up', async () => {
    const fake = await fakeOxen();
    const adapter = new TestAdapter();
    adapter.startError = new Error('An invalid token was provided.');
    const captured = captureLog();
    const t = await startTestApp({ fake, adapter, log: captured.log, start: false });
    cleanups.push(() => t.stop());
    await expect(t.app.start()).rejects.toThrow(/invalid token/);
    await t.app.shutdown('start failed');
    expect(adapter.calls).toEqual(['start', 'stopAccepting', 'close']);
    expect(captured.lines().map((l) => l['event'])).toContain('shutdown.done');
  });

  it('shuts down in order: no new commands first, the platform closed after the engine, the same promise twice', async () => {
    const fake = await fakeOxen();
    const captured = captureLog();
    const t = await startTestApp({ fake, log: captured.log });
    const done = await t.adapter.submit('before the shutdown');
    if (done === 'restarting' || !done.ok) throw new Error('not submitted');
    await eventually(async () => (await t.app.store.get(done.value.job.id))?.state === 'done', 5_000, 'the job');

    const began = Date.now();
    const first = t.app.shutdown('test');
    expect(t.app.shutdown('again')).toBe(first);
    expect(await t.adapter.submit('during the shutdown')).toBe('restarting');
    await first;
    const took = Date.now() - began;
    expect(took).toBeLessThan(1_000); // nothing in flight: no waiting
    expect(t.adapter.calls).toEqual(['start', 'stopAccepting', 'close']);
    const events = captured.lines().map((l) => String(l['event']));
    const at = (event: string) => events.indexOf(event);
    expect(at('shutdown.begin')).toBeGreaterThan(-1);
    expect(at('shutdown.begin')).toBeLessThan(at('shutdown.engine_stopped'));
    expect(at('shutdown.engine_stopped')).toBeLessThan(at('shutdown.done'));
    // The HTTP server is closed.
    await expect(fetch(`${t.url}/healthz`)).rejects.toThrow();
    await t.stop();
  });

  it('lets a command accepted just before the shutdown finish, with its job saved', async () => {
    const fake = await fakeOxen();
    const t = await startTestApp({ fake });
    const { readFileSync } = await import('node:fs');
    const cat = new Uint8Array(readFileSync(new URL('../fixtures/media/cat.png', import.meta.url)));
    // A command whose file takes a while to download is under way when the signal comes.
    const pending = t.adapter.submit('@cat.png on a slow network', [{ name: 'cat.png', download: () => new Promise((r) => setTimeout(() => r(cat), 300)) }]);
    await new Promise((r) => setTimeout(r, 50));
    const began = Date.now();
    await t.app.shutdown('test');
    const answer = await pending;
    if (answer === 'restarting' || !answer.ok) throw new Error(`not submitted: ${JSON.stringify(answer)}`);
    expect(Date.now() - began).toBeGreaterThanOrEqual(200); // the shutdown waited for it
    const { SqliteJobStore } = await import('../../src/core/jobs/store-sqlite.js');
    const store = new SqliteJobStore(t.dataDir);
    expect((await store.get(answer.value.job.id))?.id).toBe(answer.value.job.id);
    await store.close();
    await t.stop();
  });
});
