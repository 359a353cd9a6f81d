import { afterEach, describe, expect, it } from 'vitest';
import type { OxenClient } from '../../../src/core/oxen/client.js';
import { realSleep } from '../../../src/core/oxen/retry.js';
import { startFakeOxen, type FakeOxen, type FakeOxenOptions } from '../../fakes/oxen/index.js';
import { clientFor, oxenErrorOf, PROMPT, recordedSleeps, waitFor } from './helpers.js';

const T2V = 'bytedance-seedance-2-0-text-to-video';
const FAST_T2V = 'bytedance-seedance-2-0-fast-text-to-video';
const R2V = 'bytedance-seedance-2-0-reference-to-video';

let fake: FakeOxen | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(options: FakeOxenOptions = { timing: 'manual' }): Promise<{ oxen: FakeOxen; client: OxenClient }> {
  fake = await startFakeOxen(options);
  return { oxen: fake, client: clientFor(fake) };
}

async function one(client: OxenClient, body: Record<string, unknown> = {}): Promise<string> {
  const [id] = await client.enqueue({ model: FAST_T2V, prompt: PROMPT, ...body });
  return id as string;
}

describe('generation lifecycle', () => {
  it('moves queued -> processing -> succeeded, echoing the parameters', async () => {
    const { oxen, client } = await start();
    const id = await one(client, { duration: 5, aspect_ratio: '9:16' });
    expect(await client.getGeneration(id)).toMatchObject({ generation_id: id, status: 'queued', model_name: FAST_T2V, duration: 5 });
    oxen.advance(id);
    const processing = await client.getGeneration(id);
    expect(processing.status).toBe('processing');
    expect(processing.started_at).toEqual(expect.any(Number));
    oxen.advance(id);
    const done = await client.getGeneration(id);
    expect(done).toMatchObject({ status: 'succeeded', aspect_ratio: '9:16', prompt: PROMPT, error_message: null });
    expect(done.result_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/results\//);
    expect(new URL(done.result_url as string).origin).not.toBe(new URL(oxen.url).origin);
  });

  it('runs on its own clock when given stage durations', async () => {
    const { client } = await start({ timing: { queuedMs: 5, processingMs: 5 } });
    const id = await one(client);
    await waitFor(() => fake?.generations.get(id)?.status === 'succeeded');
    const done = await client.getGeneration(id);
    expect(done.status).toBe('succeeded');
    expect(done.completed_at).toBeGreaterThanOrEqual(done.started_at as number);
  });

  it('checks parameters when the job runs: a bad duration fails the generation, not the enqueue', async () => {
    const { oxen, client } = await start();
    const id = await one(client, { duration: 3 });
    expect((await client.getGeneration(id)).status).toBe('queued');
    oxen.advance(id);
    const failed = await client.getGeneration(id);
    expect(failed.status).toBe('failed');
    expect(failed.error_message).toContain('duration');
    expect(failed.error_message).toContain('3 is not one of');
  });

  it('fails a 4k request on Fast (480p/720p only) but runs it on Pro', async () => {
    const { oxen, client } = await start();
    const fast = await one(client, { resolution: '4k' });
    const [pro] = await client.enqueue({ model: T2V, prompt: PROMPT, resolution: '4k' });
    oxen.advance(fast);
    oxen.advance(pro as string);
    expect((await client.getGeneration(fast)).status).toBe('failed');
    expect((await client.getGeneration(pro as string)).status).toBe('processing');
  });

  it('in the seed dialect takes a string duration and refuses the integer one', async () => {
    const { oxen, client } = await start({ timing: 'manual', dialect: 'seed' });
    const auto = await one(client, { duration: 'auto', aspect_ratio: 'auto', seed: 7 });
    const integer = await one(client, { duration: -1 });
    oxen.advance(auto);
    oxen.advance(integer);
    expect((await client.getGeneration(auto)).status).toBe('processing');
    expect((await client.getGeneration(integer)).error_message).toContain('duration');
  });

  it('fails reference-to-video with audio but no image or video', async () => {
    const { oxen, client } = await start();
    const [id] = await client.enqueue({ model: R2V, prompt: PROMPT, input_audios: ['https://example.com/a.mp3'] });
    oxen.advance(id as string);
    expect((await client.getGeneration(id as string)).error_message).toContain('input_audios');
  });

  it('fails jobs with "Insufficient credits" when the account is empty', async () => {
    const { oxen, client } = await start();
    oxen.switches.insufficientCredits = true;
    const id = await one(client);
    oxen.advance(id);
    expect(await client.getGeneration(id)).toMatchObject({ status: 'failed', error_message: 'Insufficient credits' });
  });

  it('can keep jobs stuck in processing', async () => {
    const { oxen, client } = await start({ timing: { queuedMs: 1, processingMs: 1 } });
    oxen.switches.stuckInProcessing = true;
    const id = await one(client);
    await waitFor(() => oxen.generations.get(id)?.status === 'processing');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect((await client.getGeneration(id)).status).toBe('processing');
  });

  it('answers an unknown id with not_found, without retrying', async () => {
    const { oxen, client } = await start();
    const error = await oxenErrorOf(client.getGeneration('00000000-0000-0000-0000-000000000000'));
    expect(error).toMatchObject({ code: 'not_found', status: 404 });
    expect(oxen.requestsTo('getGeneration')).toHaveLength(1);
  });
});

describe('listQueue', () => {
  it('lists only active jobs by default, newest first', async () => {
    const { oxen, client } = await start();
    const first = await one(client);
    const second = await one(client);
    const third = await one(client);
    oxen.complete(second);
    const active = await client.listQueue();
    expect(active.count).toBe(2);
    expect(active.generations.map((g) => g.generation_id)).toEqual([third, first]);
  });

  it('filters by status, model, repo and folder', async () => {
    const { oxen, client } = await start();
    const plain = await one(client);
    const inRepo = await one(client, { target_repo: 'renders', target_directory: 'bot' });
    const [pro] = await client.enqueue({ model: T2V, prompt: PROMPT });
    oxen.complete(plain);
    oxen.complete(inRepo, { status: 'failed', error: 'boom' });

    expect((await client.listQueue({ status: 'succeeded' })).generations.map((g) => g.generation_id)).toEqual([plain]);
    expect((await client.listQueue({ status: 'failed' })).generations[0]).toMatchObject({ generation_id: inRepo, error_message: 'boom' });
    expect((await client.listQueue({ model: T2V })).generations.map((g) => g.generation_id)).toEqual([pro]);
    expect((await client.listQueue({ status: 'failed', repo: 'renders', folder: 'bot' })).count).toBe(1);
    expect((await client.listQueue({ status: 'failed', repo: 'other' })).count).toBe(0);
    expect(oxen.requestsTo('listQueue').at(-1)?.query).toEqual({ status: 'failed', repo: 'other' });
  });
});

describe('cancel', () => {
  it('cancels an active job; the row persists and no completion event fires', async () => {
    const { oxen, client } = await start();
    const stream = await client.events();
    const id = await one(client);
    expect(await client.cancel(id)).toEqual({ status: 'success', generation_id: id });
    expect((await client.getGeneration(id)).status).toBe('cancelled');
    expect((await client.listQueue({ status: 'cancelled' })).count).toBe(1);
    expect((await client.listQueue()).count).toBe(0);

    // The next event on the stream is a later job's, not the cancellation.
    const later = await one(client);
    oxen.complete(later);
    const iterator = stream[Symbol.asyncIterator]();
    expect((await iterator.next()).value).toMatchObject({ generation_id: later });
    stream.close();
  });

  it('leaves a finished job alone and reports an unknown id', async () => {
    const { oxen, client } = await start();
    const id = await one(client);
    oxen.complete(id);
    await client.cancel(id);
    expect((await client.getGeneration(id)).status).toBe('succeeded');
    expect((await oxenErrorOf(client.cancel('missing'))).code).toBe('not_found');
  });
});

describe('retries of reads and cancels', () => {
  it('retry 5xx, 429, resets and timeouts with jittered, growing backoff', async () => {
    const { oxen } = await start();
    const sleeps = recordedSleeps();
    const client = clientFor(oxen, {
      timeouts: { requestMs: 150 },
      retry: { sleep: sleeps.sleep, maxAttempts: 5, baseDelayMs: 100, random: () => 0.5 },
    });
    oxen.failNext(1, { status: 503, body: 'unavailable' }, 'listQueue');
    oxen.destroyNext(1, 'listQueue');
    oxen.hangNext(1, 'listQueue');
    oxen.rateLimitNext(1, 2, 'listQueue');
    expect((await client.listQueue()).count).toBe(0);
    expect(oxen.requestsTo('listQueue')).toHaveLength(5);
    // Equal jitter with random 0.5: 75% of 100, 200, 400; then exactly the Retry-After.
    expect(sleeps.waits).toEqual([75, 150, 300, 2_000]);
  });

  it('stop after the bounded number of attempts', async () => {
    const { oxen } = await start();
    const client = clientFor(oxen, { retry: { maxAttempts: 3 } });
    oxen.failNext(10, { status: 500 }, 'cancel');
    expect((await oxenErrorOf(client.cancel('x'))).code).toBe('server');
    expect(oxen.requestsTo('cancel')).toHaveLength(3);
  });

  it('do not retry other 4xx', async () => {
    const { oxen, client } = await start();
    oxen.failNext(1, { status: 400, body: { error: 'bad filter' } }, 'listQueue');
    expect((await oxenErrorOf(client.listQueue())).code).toBe('invalid_params');
    expect(oxen.requestsTo('listQueue')).toHaveLength(1);
  });

  it('stop waiting for the next attempt when the caller aborts', async () => {
    const { oxen } = await start();
    const controller = new AbortController();
    oxen.failNext(1, { status: 503 }, 'listQueue');
    const client = clientFor(oxen, { retry: { sleep: realSleep, baseDelayMs: 60_000 } });
    const pending = client.listQueue({}, { signal: controller.signal });
    await waitFor(() => oxen.requestsTo('listQueue').length === 1);
    controller.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
    expect(oxen.requestsTo('listQueue')).toHaveLength(1);
  });

  it('stop at once when the caller aborts', async () => {
    const { oxen } = await start();
    const controller = new AbortController();
    oxen.hangNext(1, 'getGeneration');
    const pending = clientFor(oxen).getGeneration('x', { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('shutting down')), 20);
    await expect(pending).rejects.toThrow('shutting down');
    expect(oxen.requestsTo('getGeneration')).toHaveLength(1);
  });
});
