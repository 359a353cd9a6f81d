import { afterEach, describe, expect, it } from 'vitest';
import { OxenClient } from '../../../src/core/oxen/client.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { clientFor, closedPort, oxenErrorOf, PROMPT, recordedSleeps } from './helpers.js';

const MODEL = 'bytedance-seedance-2-0-fast-text-to-video';
let fake: FakeOxen | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(): Promise<FakeOxen> {
  fake = await startFakeOxen({ timing: 'manual' });
  return fake;
}

describe('OxenClient.enqueue', () => {
  it('posts the body with the key and returns one id per generation', async () => {
    const oxen = await start();
    const ids = await clientFor(oxen).enqueue({ model: MODEL, prompt: PROMPT, num_generations: 3, duration: 5 });
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    const [post] = oxen.requestsTo('enqueue');
    expect(post?.headers.authorization).toBe(`Bearer ${oxen.apiKey}`);
    expect(post?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(post?.body ?? '{}')).toEqual({ model: MODEL, prompt: PROMPT, num_generations: 3, duration: 5 });
    expect(oxen.generations.get(ids[0] as string)?.status).toBe('queued');
  });

  it.each([0, 5, 2.5, -1])('refuses num_generations %s without sending anything', async (count) => {
    const oxen = await start();
    const error = await oxenErrorOf(clientFor(oxen).enqueue({ model: MODEL, prompt: PROMPT, num_generations: count }));
    expect(error.code).toBe('invalid_params');
    expect(error.message).toContain('between 1 and 4');
    expect(oxen.requests).toHaveLength(0);
  });

  it('reports an unknown model as not_found with the server text', async () => {
    const oxen = await start();
    const error = await oxenErrorOf(clientFor(oxen).enqueue({ model: 'bytedance-seedance-9', prompt: PROMPT }));
    expect(error).toMatchObject({ code: 'not_found', status: 404, detail: 'Model not found: bytedance-seedance-9' });
  });

  it('reports the documented num_generations text when the server refuses', async () => {
    const oxen = await start();
    // Sidestep the client-side check to see the server's own answer.
    const raw = await fetch(`${oxen.url}/api/ai/queue`, {
      method: 'POST',
      headers: { authorization: `Bearer ${oxen.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, prompt: PROMPT, num_generations: 9 }),
    });
    expect(raw.status).toBe(400);
    expect(await raw.json()).toMatchObject({ error: { type: 'invalid_params', detail: 'num_generations must be an integer between 1 and 4' } });
  });

  it('treats an empty generations list as an error, with the server text', async () => {
    const oxen = await start();
    oxen.switches.emptyGenerations = { error: { type: 'unknown_error', title: 'Queue is paused' } };
    const error = await oxenErrorOf(clientFor(oxen).enqueue({ model: MODEL, prompt: PROMPT }));
    expect(error).toMatchObject({ code: 'bad_response', detail: 'Queue is paused' });

    oxen.switches.emptyGenerations = {};
    expect((await oxenErrorOf(clientFor(oxen).enqueue({ model: MODEL, prompt: PROMPT }))).code).toBe('bad_response');

    oxen.switches.emptyGenerations = { error: 'Insufficient credits' };
    expect((await oxenErrorOf(clientFor(oxen).enqueue({ model: MODEL, prompt: PROMPT }))).code).toBe('insufficient_credits');
    expect(oxen.requestsTo('enqueue')).toHaveLength(3);
  });

  it('retries after 429, waiting exactly the Retry-After', async () => {
    const oxen = await start();
    oxen.rateLimitNext(2, 3, 'enqueue');
    const sleeps = recordedSleeps();
    const ids = await clientFor(oxen, { retry: { sleep: sleeps.sleep } }).enqueue({ model: MODEL, prompt: PROMPT });
    expect(ids).toHaveLength(1);
    expect(sleeps.waits).toEqual([3_000, 3_000]);
    expect(oxen.requestsTo('enqueue')).toHaveLength(3);
  });

  it('gives up on 429 after the bounded number of attempts, and on a Retry-After that is too long', async () => {
    const oxen = await start();
    oxen.rateLimitNext(10, 1, 'enqueue');
    const error = await oxenErrorOf(clientFor(oxen, { retry: { maxAttempts: 3 } }).enqueue({ model: MODEL, prompt: PROMPT }));
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 1_000 });
    expect(oxen.requestsTo('enqueue')).toHaveLength(3);

    oxen.faults.clear();
    oxen.clearRequests();
    oxen.rateLimitNext(1, 3_600, 'enqueue');
    const sleeps = recordedSleeps();
    const tooLong = await oxenErrorOf(clientFor(oxen, { retry: { sleep: sleeps.sleep } }).enqueue({ model: MODEL, prompt: PROMPT }));
    expect(tooLong.retryAfterMs).toBe(3_600_000);
    expect(sleeps.waits).toEqual([]);
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
  });

  it('does not re-send after a 5xx: the job may already be enqueued', async () => {
    const oxen = await start();
    oxen.failNext(1, { status: 502, body: 'Bad Gateway' }, 'enqueue');
    const error = await oxenErrorOf(clientFor(oxen).enqueue({ model: MODEL, prompt: PROMPT }));
    expect(error).toMatchObject({ code: 'server', status: 502 });
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
  });

  it('does not re-send after a timeout (the server never answered)', async () => {
    const oxen = await start();
    oxen.hangNext(1, 'enqueue');
    const client = clientFor(oxen, { timeouts: { requestMs: 150 } });
    const started = Date.now();
    const error = await oxenErrorOf(client.enqueue({ model: MODEL, prompt: PROMPT }));
    expect(error.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
  });

  it('does not re-send after the connection was reset mid-request', async () => {
    const oxen = await start();
    oxen.destroyNext(1, 'enqueue');
    const error = await oxenErrorOf(clientFor(oxen).enqueue({ model: MODEL, prompt: PROMPT }));
    expect(error).toMatchObject({ code: 'network', notDelivered: false });
    expect(oxen.requestsTo('enqueue')).toHaveLength(1);
  });

  it('re-sends when the connection was refused, since nothing reached the server', async () => {
    const port = await closedPort();
    // The hub "comes up" during the backoff after the first, refused attempt.
    const sleeps = recordedSleeps(async () => {
      fake ??= await startFakeOxen({ timing: 'manual', port });
    });
    const client = new OxenClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'fake-oxen-key-0123456789abcdef', retry: { sleep: sleeps.sleep } });
    const ids = await client.enqueue({ model: MODEL, prompt: PROMPT });
    expect(ids).toHaveLength(1);
    expect(sleeps.waits).toHaveLength(1);
    expect(fake?.requestsTo('enqueue')).toHaveLength(1);
  });

  it('reports a refused connection as network, not delivered, once attempts run out', async () => {
    const port = await closedPort();
    const client = new OxenClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: 'k', retry: { maxAttempts: 2, sleep: async () => undefined } });
    const error = await oxenErrorOf(client.enqueue({ model: MODEL, prompt: PROMPT }));
    expect(error).toMatchObject({ code: 'network', notDelivered: true });
  });

  it('is refused with a wrong key', async () => {
    const oxen = await start();
    const error = await oxenErrorOf(clientFor(oxen, { apiKey: 'wrong-key' }).enqueue({ model: MODEL, prompt: PROMPT }));
    expect(error).toMatchObject({ code: 'unauthenticated', status: 401 });
    expect(error.message).not.toContain('wrong-key');
  });
});
