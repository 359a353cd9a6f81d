import { afterEach, describe, expect, it } from 'vitest';
import type { OxenClient } from '../../../src/core/oxen/client.js';
import type { MalformedEvent } from '../../../src/core/oxen/events.js';
import type { CompletionEvent } from '../../../src/core/oxen/types.js';
import { startFakeOxen, type FakeOxen, type FakeOxenOptions } from '../../fakes/oxen/index.js';
import { clientFor, oxenErrorOf, PROMPT, waitFor } from './helpers.js';

const MODEL = 'bytedance-seedance-2-0-fast-text-to-video';
let fake: FakeOxen | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeOxenOptions = {}): Promise<{ oxen: FakeOxen; client: OxenClient }> {
  fake = await startFakeOxen({ timing: 'manual', ...options });
  return { oxen: fake, client: clientFor(fake) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('OxenClient.events', () => {
  it('yields succeeded and failed completions with their fields', async () => {
    const { oxen, client } = await start();
    const stream = await client.events();
    const [ok, bad] = await client.enqueue({ model: MODEL, prompt: PROMPT, num_generations: 2 });
    oxen.complete(ok as string);
    oxen.complete(bad as string, { status: 'failed', error: 'Insufficient credits' });
    const iterator = stream[Symbol.asyncIterator]();
    const first = (await iterator.next()).value as CompletionEvent;
    const second = (await iterator.next()).value as CompletionEvent;
    expect(first).toMatchObject({ generation_id: ok, status: 'succeeded', media_type: 'video', model: MODEL });
    expect(first.url).toMatch(/\/results\//);
    expect(second).toMatchObject({ generation_id: bad, status: 'failed', error: 'Insufficient credits' });
    expect(oxen.requestsTo('events')[0]?.headers.accept).toBe('text/event-stream');
    stream.close();
  });

  it('skips keep-alives, other event types and malformed data, and keeps going', async () => {
    const { oxen, client } = await start({ keepAliveMs: 10 });
    const malformed: MalformedEvent[] = [];
    const stream = await client.events(undefined, { idleTimeoutMs: 80, onMalformed: (m) => malformed.push(m) });
    const iterator = stream[Symbol.asyncIterator]();
    const next = iterator.next();
    // Longer than the idle limit: only keep-alives flow, which must keep the stream alive.
    await sleep(150);
    oxen.sendEvent('deployment_updated', JSON.stringify({ id: 'dep-1', status: 'active' }));
    oxen.sendMalformedEvent();
    oxen.sendMalformedEvent(JSON.stringify({ generation_id: 'x', status: 'exploded' }));
    const [id] = await client.enqueue({ model: MODEL, prompt: PROMPT });
    oxen.complete(id as string);
    expect((await next).value).toMatchObject({ generation_id: id, status: 'succeeded' });
    expect(malformed.map((m) => m.reason)).toEqual(['data is not JSON', 'unexpected shape at status']);
    expect(malformed[0]?.data).toBe('{"generation_id": "not json');
    stream.close();
  });

  it('throws a network error when the connection drops', async () => {
    const { oxen, client } = await start();
    const stream = await client.events();
    await waitFor(() => oxen.eventSubscribers() === 1);
    const seen: CompletionEvent[] = [];
    const consuming = (async () => {
      for await (const event of stream) seen.push(event);
    })();
    oxen.dropEventStreams();
    const error = await oxenErrorOf(consuming);
    expect(error.code).toBe('network');
    expect(seen).toEqual([]);
  });

  it('ends quietly when the server ends the stream cleanly', async () => {
    const { oxen, client } = await start();
    const stream = await client.events();
    await waitFor(() => oxen.eventSubscribers() === 1);
    oxen.dropEventStreams({ graceful: true });
    const iterator = stream[Symbol.asyncIterator]();
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });

  it('treats silence longer than the idle limit as a dropped stream', async () => {
    const { client } = await start({ keepAliveMs: 60_000 });
    const stream = await client.events(undefined, { idleTimeoutMs: 60 });
    const started = Date.now();
    const error = await oxenErrorOf(stream[Symbol.asyncIterator]().next());
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(50);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('restarts the idle clock on every byte, and still detects silence after traffic', async () => {
    const { oxen, client } = await start({ keepAliveMs: 60_000 });
    const stream = await client.events(undefined, { idleTimeoutMs: 80 });
    const started = Date.now();
    const pending = oxenErrorOf(stream[Symbol.asyncIterator]().next());
    await sleep(50);
    oxen.writeEventStream(': ping\n\n');
    const error = await pending;
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
  });

  it('can be closed before it is iterated', async () => {
    const { oxen, client } = await start();
    const stream = await client.events();
    stream.close();
    await waitFor(() => oxen.eventSubscribers() === 0);
    expect(await stream[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
  });

  it('ends quietly when the caller aborts', async () => {
    const { client } = await start();
    const controller = new AbortController();
    const stream = await client.events(controller.signal);
    const pending = stream[Symbol.asyncIterator]().next();
    controller.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('rejects with a typed error when the stream is refused', async () => {
    const { oxen, client } = await start();
    oxen.failNext(1, { status: 503, body: 'maintenance' }, 'events');
    expect(await oxenErrorOf(client.events())).toMatchObject({ code: 'server', status: 503 });
    const stranger = clientFor(oxen, { apiKey: 'not-the-key' });
    expect((await oxenErrorOf(stranger.events())).code).toBe('unauthenticated');
  });

  it('sends nothing that was fired before it connected (no replay)', async () => {
    const { oxen, client } = await start();
    const [early, late] = await client.enqueue({ model: MODEL, prompt: PROMPT, num_generations: 2 });
    oxen.complete(early as string);
    const stream = await client.events();
    await waitFor(() => oxen.eventSubscribers() === 1);
    oxen.complete(late as string);
    expect((await stream[Symbol.asyncIterator]().next()).value).toMatchObject({ generation_id: late });
    stream.close();
  });
});
