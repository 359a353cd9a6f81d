import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_COMPLETION_BACKOFF, reconnectDelay, subscribeCompletions } from '../../../src/core/oxen/completions.js';
import { OxenError } from '../../../src/core/oxen/errors.js';
import type { CompletionEvent } from '../../../src/core/oxen/types.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { clientFor, PROMPT, waitFor } from './helpers.js';

const MODEL = 'bytedance-seedance-2-0-mini-text-to-video';
let fake: FakeOxen | undefined;
let controller: AbortController | undefined;
afterEach(async () => {
  controller?.abort();
  await fake?.close();
  fake = undefined;
});

describe('subscribeCompletions', () => {
  it('reconnects after a drop, calls onConnected again, and keeps delivering', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const oxen = fake;
    const client = clientFor(oxen);
    controller = new AbortController();
    const events: CompletionEvent[] = [];
    const disconnects: { error: unknown; wait: number }[] = [];
    const waits: number[] = [];
    let connects = 0;
    const done = subscribeCompletions({
      client,
      signal: controller.signal,
      onEvent: (event) => void events.push(event),
      onConnected: () => void (connects += 1),
      onDisconnected: (error, wait) => void disconnects.push({ error, wait }),
      backoff: { random: () => 0, sleep: async (ms) => void waits.push(ms) },
    });

    await waitFor(() => connects === 1 && oxen.eventSubscribers() === 1);
    const [before] = await client.enqueue({ model: MODEL, prompt: PROMPT });
    oxen.complete(before as string);
    await waitFor(() => events.length === 1);

    oxen.dropEventStreams();
    await waitFor(() => connects === 2 && oxen.eventSubscribers() === 1);
    expect(disconnects).toHaveLength(1);
    expect(disconnects[0]?.error).toBeInstanceOf(OxenError);
    expect((disconnects[0]?.error as OxenError).code).toBe('network');
    expect(waits).toEqual([500]);

    const [after] = await client.enqueue({ model: MODEL, prompt: PROMPT });
    oxen.complete(after as string);
    await waitFor(() => events.length === 2);
    expect(events.map((e) => e.generation_id)).toEqual([before, after]);

    controller.abort();
    await done;
    expect(oxen.requestsTo('events')).toHaveLength(2);
  });

  it('waits at least 30 s after each time the stream is refused', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const oxen = fake;
    oxen.failNext(2, { status: 503, body: 'maintenance' }, 'events');
    controller = new AbortController();
    const waits: number[] = [];
    let connected = false;
    const done = subscribeCompletions({
      client: clientFor(oxen),
      signal: controller.signal,
      onEvent: () => undefined,
      onConnected: () => void (connected = true),
      backoff: { random: () => 0, sleep: async (ms) => void waits.push(ms) },
    });
    await waitFor(() => connected);
    expect(waits).toEqual([30_000, 30_000]);
    controller.abort();
    await done;
  });

  it('keeps running when a callback throws', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const oxen = fake;
    const client = clientFor(oxen);
    controller = new AbortController();
    const reported: unknown[] = [];
    let handled = 0;
    const done = subscribeCompletions({
      client,
      signal: controller.signal,
      onEvent: () => {
        handled += 1;
        throw new Error('handler bug');
      },
      onConnected: () => Promise.reject(new Error('reconcile failed')),
      onError: (error) => void reported.push(error),
      backoff: { sleep: async () => undefined },
    });
    await waitFor(() => oxen.eventSubscribers() === 1);
    const ids = await client.enqueue({ model: MODEL, prompt: PROMPT, num_generations: 2 });
    for (const id of ids) oxen.complete(id);
    await waitFor(() => handled === 2);
    expect(reported.map((e) => (e as Error).message).sort()).toEqual(['handler bug', 'handler bug', 'reconcile failed']);
    expect(oxen.requestsTo('events')).toHaveLength(1);
    controller.abort();
    await done;
  });
});

describe('reconnectDelay', () => {
  const backoff = { ...DEFAULT_COMPLETION_BACKOFF, random: () => 0.5 };
  it('doubles from 1 s up to 60 s, jittered into the upper half', () => {
    expect(reconnectDelay(1, undefined, backoff)).toBe(750);
    expect(reconnectDelay(3, undefined, backoff)).toBe(3_000);
    expect(reconnectDelay(10, undefined, backoff)).toBe(45_000);
    expect(reconnectDelay(1, undefined, { ...backoff, random: () => 0 })).toBe(500);
    expect(reconnectDelay(20, undefined, { ...backoff, random: () => 0.9999 })).toBeLessThanOrEqual(60_000);
  });
  it('waits at least 30 s (or the Retry-After) after a non-2xx', () => {
    expect(reconnectDelay(1, new OxenError('unauthenticated', 'no', { status: 401 }), backoff)).toBe(30_000);
    expect(reconnectDelay(1, new OxenError('rate_limited', 'slow', { status: 429, retryAfterMs: 90_000 }), backoff)).toBe(90_000);
    expect(reconnectDelay(1, new OxenError('network', 'drop'), backoff)).toBe(750);
  });
});
