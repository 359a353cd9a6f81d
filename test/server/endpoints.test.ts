/**
 * The one HTTP server, on the real app (createApp) around the fake Oxen and a test adapter:
 * /healthz, /readyz (and what makes it 503), /metrics after real jobs, self-hosted reference
 * files, the adapters' routes, 404s, and no secret in any answer.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobStore } from '../../src/core/jobs/store.js';
import { SqliteJobStore } from '../../src/core/jobs/store-sqlite.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { startTestApp, type TestApp } from '../app/helpers.js';
import { TestAdapter } from '../app/test-adapter.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CAT = new Uint8Array(readFileSync(new URL('../fixtures/media/cat.png', import.meta.url)));

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function setUp(options: Parameters<typeof startTestApp>[0] extends infer O ? Partial<O> : never = {}): Promise<{ fake: FakeOxen; t: TestApp }> {
  const fake = await startFakeOxen();
  cleanups.push(() => fake.close());
  const t = await startTestApp({ fake, ...options });
  cleanups.push(() => t.stop());
  return { fake, t };
}

async function jobDone(t: TestApp, id: string): Promise<void> {
  await eventually(async () => (await t.app.store.get(id))?.state === 'done', 5_000, `job ${id} done`);
}

/** A sample's value in the Prometheus text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/healthz and /readyz', () => {
  it('is alive at once, and ready once the store, the platform and the Oxen stream are', async () => {
    const { t } = await setUp();
    const health = await t.get('/healthz');
    expect(health.status).toBe(200);
    expect(health.json()).toEqual({ status: 'ok' });
    await eventually(async () => (await t.get('/readyz')).status === 200, 3_000, 'ready');
    expect((await t.get('/readyz')).json()).toEqual({
      status: 'ready',
      checks: { lifecycle: { ok: true }, store: { ok: true }, discord: { ok: true }, oxen_stream: { ok: true } },
    });
  });

  it('is 503 naming the store when the store does not answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seedance-ready-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const real = new SqliteJobStore(dir);
    let down = false;
    // The real store, whose ping can be made to hang (a Redis that stopped answering) or fail.
    const store = new Proxy(real, {
      get(target, key, receiver) {
        if (key === 'ping') return () => (down ? new Promise<boolean>(() => undefined) : target.ping());
        const value = Reflect.get(target, key, receiver) as unknown;
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as JobStore;
    const { t } = await setUp({ store });
    await eventually(async () => (await t.get('/readyz')).status === 200, 3_000, 'ready');
    down = true;
    const began = Date.now();
    const answer = await t.get('/readyz');
    expect(answer.status).toBe(503);
    expect(Date.now() - began).toBeLessThan(2_500); // a hung ping is cut off
    expect(answer.json()).toMatchObject({ status: 'not_ready', failing: ['store'], checks: { store: { ok: false, detail: 'not reachable' } } });
    expect((await t.get('/healthz')).status).toBe(200); // alive all the same
    down = false;
    expect((await t.get('/readyz')).status).toBe(200);
  });

  it('is 503 naming the Oxen stream while it is down, and the platform while disconnected', async () => {
    const { fake, t } = await setUp();
    await eventually(async () => (await t.get('/readyz')).status === 200, 3_000, 'ready');
    fake.failNext(1_000, { status: 503, body: { error: 'maintenance' } }, 'events');
    fake.dropEventStreams();
    await eventually(async () => (await t.get('/readyz')).status === 503, 3_000, 'stream down');
    expect((await t.get('/readyz')).json()).toMatchObject({ failing: ['oxen_stream'], checks: { oxen_stream: { ok: false, detail: 'event stream down' } } });

    t.adapter.connected = false;
    expect((await t.get('/readyz')).json()).toMatchObject({ failing: ['discord', 'oxen_stream'] });
  });

  it('is not ready before start and during shutdown, while /healthz stays up', async () => {
    const { t } = await setUp({ start: false });
    // Not listening before start: readiness is asked directly.
    expect((await t.app.readiness()).checks['lifecycle']).toEqual({ ok: false, detail: 'starting' });
    await t.app.start();
    await eventually(async () => (await t.get('/readyz')).status === 200, 3_000, 'ready');
    // An upload that hangs keeps the shutdown in its grace period; the server still answers.
    let release!: () => void;
    t.adapter.port.beforeUpload = () => new Promise<void>((resolve) => (release = resolve));
    const submitted = await t.adapter.submit('slow to post');
    if (submitted === 'restarting' || !submitted.ok) throw new Error('not submitted');
    await eventually(() => t.app.engine.deliveriesInFlight === 1, 3_000, 'the upload');
    const stopping = t.app.shutdown('test');
    const during = await t.get('/readyz');
    expect(during.status).toBe(503);
    expect(during.json()).toMatchObject({ failing: expect.arrayContaining(['lifecycle']) as unknown });
    expect((await t.get('/healthz')).status).toBe(200);
    release();
    await stopping;
    expect(t.adapter.port.uploads).toHaveLength(1); // finished within the grace period
    const reopened = new SqliteJobStore(t.dataDir);
    expect((await reopened.get(submitted.value.job.id))?.state).toBe('done');
    await reopened.close();
  });
});

describe('/metrics', () => {
  it('has the named series with real values after jobs ran', async () => {
    const { fake, t } = await setUp();
    fake.rateLimitNext(1, 0, 'enqueue'); // the first enqueue is refused once, then retried
    const first = await t.adapter.submit('a red fox');
    const second = await t.adapter.submit('a blue whale');
    if (first === 'restarting' || !first.ok || second === 'restarting' || !second.ok) throw new Error('not submitted');
    await jobDone(t, first.value.job.id);
    await jobDone(t, second.value.job.id);
    // The record reads done a moment before the engine reports the job ended (save, then event).
    await eventually(async () => sample((await t.get('/metrics')).text, 'seedance_jobs_ended_total{state="done"}') === 2, 5_000, 'both jobs counted as ended');

    const res = await t.get('/metrics');
    expect(res.status).toBe(200);
    expect(res.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = res.text;
    // Jobs by state (followed now) and ended.
    expect(sample(text, 'seedance_jobs{state="running"}')).toBe(0);
    expect(sample(text, 'seedance_jobs{state="waiting"}')).toBe(0);
    expect(sample(text, 'seedance_jobs_ended_total{state="done"}')).toBe(2);
    // Oxen requests and errors by code.
    expect(sample(text, 'seedance_oxen_requests_total{route="enqueue",status="200"}')).toBe(2);
    expect(sample(text, 'seedance_oxen_requests_total{route="enqueue",status="429"}')).toBe(1);
    expect(sample(text, 'seedance_oxen_errors_total{route="enqueue",code="rate_limited"}')).toBe(1);
    expect(sample(text, 'seedance_oxen_requests_total{route="result download",status="200"}')).toBeGreaterThanOrEqual(2);
    // Uploads by outcome and their latency.
    expect(sample(text, 'seedance_uploads_total{outcome="uploaded"}')).toBe(2);
    expect(sample(text, 'seedance_delivery_latency_seconds_count')).toBe(2);
    expect(sample(text, 'seedance_delivery_latency_seconds_sum')).toBeGreaterThan(0);
    expect(sample(text, 'seedance_delivery_latency_seconds_sum')).toBeLessThan(5);
    // Budget reserved today for the guild: two default videos (the Fast default duration each).
    const seconds = first.value.job.reservation.videoSeconds + second.value.job.reservation.videoSeconds;
    expect(seconds).toBeGreaterThan(0);
    expect(sample(text, 'seedance_budget_used{platform="discord",scope="guild-1",unit="video_seconds"}')).toBe(seconds);
    expect(text).toContain('seedance_budget_used{platform="discord",scope="guild-1",unit="usd"}');
    expect(text).not.toContain(fake.apiKey);
  });

  it('counts a link for a file over the platform limit, and failed uploads', async () => {
    const { t } = await setUp();
    t.adapter.port.limitBytes = 10; // smaller than any video
    const big = await t.adapter.submit('too big for the thread');
    if (big === 'restarting' || !big.ok) throw new Error('not submitted');
    await jobDone(t, big.value.job.id);
    t.adapter.port.limitBytes = undefined;
    let failures = 1;
    t.adapter.port.beforeUpload = async () => {
      if (failures-- > 0) throw new Error('platform hiccup');
    };
    const flaky = await t.adapter.submit('fails once');
    if (flaky === 'restarting' || !flaky.ok) throw new Error('not submitted');
    await jobDone(t, flaky.value.job.id);
    const text = (await t.get('/metrics')).text;
    expect(sample(text, 'seedance_uploads_total{outcome="too_big"}')).toBe(1);
    expect(sample(text, 'seedance_uploads_total{outcome="failed"}')).toBe(1);
    expect(sample(text, 'seedance_uploads_total{outcome="uploaded"}')).toBe(1);
  });
});

describe('other paths', () => {
  it('serves self-hosted reference files Oxen was given, the adapters’ routes, and 404 for the rest', async () => {
    const { fake, t } = await setUp();
    const submitted = await t.adapter.submit('@cat.png walks on a piano', [{ name: 'cat.png', contentType: 'image/png', download: async () => CAT }]);
    if (submitted === 'restarting' || !submitted.ok) throw new Error(`not submitted: ${JSON.stringify(submitted)}`);
    await eventually(() => fake.requestsTo('enqueue').length === 1, 3_000, 'the enqueue');
    const body = fake.requestsTo('enqueue')[0]!.body;
    const hosted = /https:\/\/bot\.example\.com(\/references\/[^"]+)/.exec(body);
    expect(hosted, body).not.toBeNull();
    const file = await fetch(`${t.url}${hosted![1]}`);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(Buffer.from(CAT))).toBe(true);
    expect((await t.get('/references/aaaaaaaaaaaaaaaaaaaaaaaa/cat.png')).status).toBe(404);

    const routed = await fetch(`${t.url}/test/submit`, { method: 'POST', body: JSON.stringify({ prompt: 'over http' }) });
    expect(routed.status).toBe(200);
    expect(await routed.json()).toMatchObject({ id: expect.any(String) as unknown });

    const unknown = await t.get('/slack/events');
    expect(unknown.status).toBe(404);
    expect(unknown.json()).toEqual({ error: 'not found' });
    expect((await fetch(`${t.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('answers 500 with a fixed sentence when a route throws, and logs the details scrubbed', async () => {
    const adapter = new TestAdapter();
    const secret = 'xoxb-1111-2222-abcdefabcdef';
    const throwing = { ...adapter, platform: 'slack' as const, port: adapter.port, start: async () => undefined, stopAccepting: () => undefined, close: async () => undefined, isConnected: () => true, httpRoute: () => {
      throw new Error(`slack said no to ${secret}`);
    } };
    const { t } = await setUp({ extraAdapters: [throwing] });
    const answer = await t.get('/slack/events');
    expect(answer.status).toBe(500);
    expect(answer.json()).toEqual({ error: 'internal error' });
    expect(answer.text).not.toContain(secret);
  });
});
