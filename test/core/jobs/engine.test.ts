/**
 * The job engine and service, real parts throughout: the fake Oxen over loopback, the real
 * SQLite store (and Redis where instances share), the real client and schemas. Only the
 * platform adapter is a recording stand-in (test/helpers/recording-port.ts).
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_OPTIONS } from '../../../src/core/request.js';
import type { Result } from '../../../src/core/result.js';
import type { Submitted, SubmitInput } from '../../../src/core/service.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { eventually, redisStore, sqliteStore, startCore, type Core, type StoreHandle } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';
import { upload } from '../references/helpers.js';

const VIDEO = readFileSync(new URL('../../fixtures/media/clip3s.mp4', import.meta.url));

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function setUp(options: { timing?: { queuedMs: number; processingMs: number } | 'manual'; store?: StoreHandle; engine?: Parameters<typeof startCore>[0]['engine']; service?: Parameters<typeof startCore>[0]['service'] } = {}) {
  const fake = await startFakeOxen({ timing: options.timing ?? { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  const handle = options.store ?? sqliteStore();
  const port = new RecordingPort();
  const core = await startCore({ fake, store: handle.store, port, engine: options.engine ?? {}, service: options.service ?? {} });
  cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => core.stop());
  return { fake, handle, port, core };
}

function request(prompt: string, user = 'u1', extra: Partial<SubmitInput> = {}): SubmitInput {
  return {
    request: { prompt, options: DEFAULT_OPTIONS },
    attachments: [],
    requester: { platform: 'discord', userId: user, scopeId: 'guild-1' },
    destination: { platform: 'discord', channelId: 'channel-1' },
    ...extra,
  };
}

function submitted(result: Result<Submitted>): Submitted {
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

async function stateOf(core: Core, id: string) {
  const status = await core.service.status(id);
  return status.ok ? status.value.job.state : 'missing';
}

describe('a job, end to end', () => {
  it('opens a thread, follows the job, and uploads the exact result once', async () => {
    const { fake, port, core } = await setUp();
    const { job } = submitted(await core.service.submit(request('a fox in the snow')));
    expect(job.destination).toMatchObject({ statusMessageId: 'status-1', threadId: 'thread-1' });
    await eventually(async () => (await stateOf(core, job.id)) === 'done', 5_000, 'done');
    expect(port.uploads).toHaveLength(1);
    expect(port.uploads[0]!.bytes.equals(VIDEO)).toBe(true);
    expect(fake.results.sawAuthorization()).toBe(false);
    await eventually(() => port.phasesOf(job.id).at(-1) === 'done', 2_000, 'the final status edit');
    const phases = port.phasesOf(job.id);
    expect(phases[0]).toBe('waiting');
    expect(phases).toContain('queued');
    expect(phases.at(-1)).toBe('done');
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
  });

  it('hosts references and sends their labels to reference-to-video', async () => {
    const { fake, core } = await setUp();
    const { job, mapping } = submitted(await core.service.submit(request('@cat.png waves', 'u1', { attachments: [upload('cat.png'), upload('clip3s.mp4')] })));
    expect(mapping.map((m) => m.label)).toEqual(['@Image1', '@Video1']);
    await eventually(async () => (await stateOf(core, job.id)) === 'done');
    const body = JSON.parse(fake.requestsTo('enqueue')[0]!.body) as Record<string, unknown>;
    expect(body['prompt']).toBe('@Image1 waves. Use @Video1 as a reference video.');
    expect(body['input_images']).toEqual([expect.stringMatching(/^https:\/\/bot\.example\.com\/references\/[\w-]{40,}\/cat\.png$/)]);
    expect(body['input_videos']).toEqual([expect.stringMatching(/\/clip3s\.mp4$/)]);
  });

  it('posts a link with the reason when the video is bigger than the thread accepts', async () => {
    const { port, core } = await setUp();
    port.limitBytes = 100;
    const { job } = submitted(await core.service.submit(request('a big one')));
    await eventually(async () => (await stateOf(core, job.id)) === 'done');
    expect(port.uploads).toHaveLength(0);
    expect(port.links).toEqual([expect.objectContaining({ jobId: job.id, reason: 'too_big' })]);
  });

  it('posts a link after the upload fails a few times, instead of retrying for ever', async () => {
    const { port, core } = await setUp();
    let attempts = 0;
    port.beforeUpload = async () => {
      attempts++;
      throw new Error('upload refused');
    };
    const { job } = submitted(await core.service.submit(request('cannot upload')));
    await eventually(async () => (await stateOf(core, job.id)) === 'done', 8_000);
    expect(attempts).toBe(3);
    expect(port.links).toEqual([expect.objectContaining({ jobId: job.id, reason: 'upload_failed' })]);
  });

  it('refuses and spends nothing when the status message cannot be posted', async () => {
    const { fake, port, core } = await setUp({ service: { budget: { videoSecondsPerDay: 100 } } });
    port.openError = Object.assign(new Error('Missing Permissions'), { code: 'platform.missing_permission' });
    const result = await core.service.submit(request('no permission here'));
    expect(result.ok).toBe(false);
    expect(fake.requestsTo('enqueue')).toHaveLength(0);
    port.openError = undefined;
    submitted(await core.service.submit(request('now it works'))); // the budget and slot were given back
  });
});

describe('limits', () => {
  it('lets exactly 10 of 50 concurrent submissions through a budget of 10 jobs', async () => {
    const { fake, core } = await setUp({ timing: 'manual', service: { perUserLimit: 100, budget: { videoSecondsPerDay: 150 } }, engine: { globalLimit: 100 } });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => core.service.submit(request(`burst ${i}`, `user-${i}`))));
    expect(results.filter((r) => r.ok)).toHaveLength(10);
    const refused = results.filter((r) => !r.ok);
    expect(refused.every((r) => !r.ok && r.problems[0]!.code === 'quota.budget_exhausted')).toBe(true);
    await eventually(() => fake.requestsTo('enqueue').length === 10);
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.requestsTo('enqueue')).toHaveLength(10);
  });

  it('caps one person’s jobs in flight and names them', async () => {
    const { core } = await setUp({ timing: 'manual', service: { perUserLimit: 2 } });
    const first = submitted(await core.service.submit(request('one')));
    const second = submitted(await core.service.submit(request('two')));
    const third = await core.service.submit(request('three'));
    if (third.ok) throw new Error('expected a refusal');
    expect(third.problems).toHaveLength(1);
    expect(third.problems[0]).toMatchObject({ code: 'quota.user_in_flight', params: { limit: 2 } });
    const described = [...(third.problems[0]!.params!['jobs'] as string[])].sort();
    expect(described.map((d) => d.split(': ')[0])).toEqual([first.job.id, second.job.id].sort());
    expect(described.every((d) => /: (waiting|submitting|queued)/.test(d))).toBe(true);
    submitted(await core.service.submit(request('someone else', 'u2')));
  });

  it('serves waiting jobs round-robin between people within the global cap', async () => {
    const { fake, core } = await setUp({ timing: 'manual', engine: { globalLimit: 1 }, service: { perUserLimit: 10 } });
    const a1 = submitted(await core.service.submit(request('a1', 'alice')));
    const a2 = submitted(await core.service.submit(request('a2', 'alice')));
    const a3 = submitted(await core.service.submit(request('a3', 'alice')));
    const b1 = submitted(await core.service.submit(request('b1', 'bob')));
    expect(await core.engine.positions()).toEqual(new Map([[a2.job.id, 1], [b1.job.id, 2], [a3.job.id, 3]]));
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      await eventually(() => fake.requestsTo('enqueue').length === i + 1, 5_000, `enqueue ${i + 1}`);
      const body = JSON.parse(fake.requestsTo('enqueue')[i]!.body) as { prompt: string };
      order.push(body.prompt);
      const generation = [...fake.generations.values()].find((g) => g.prompt === body.prompt)!;
      fake.complete(generation.generation_id);
    }
    expect(order).toEqual(['a1', 'a2', 'b1', 'a3']);
    await eventually(async () => (await stateOf(core, a3.job.id)) === 'done');
    expect(a1.job.id).toBeTruthy();
  });

  it('does not adopt a job that is being admitted (a lease renewal in between queues it once)', async () => {
    const handle = sqliteStore();
    // The record is saved, then admit() comes only after a lease renewal (every 200 ms) has run:
    // the renewal's takeover must leave the job to its submitter.
    const create = handle.store.create.bind(handle.store);
    handle.store.create = async (record) => {
      const created = await create(record);
      if (record.request.prompt === 'late') await new Promise((resolve) => setTimeout(resolve, 500));
      return created;
    };
    const { fake, core } = await setUp({ timing: 'manual', store: handle, engine: { globalLimit: 1 }, service: { perUserLimit: 10 } });
    submitted(await core.service.submit(request('first')));
    const late = submitted(await core.service.submit(request('late')));
    expect(await core.engine.positions()).toEqual(new Map([[late.job.id, 1]]));
    fake.complete([...fake.generations.values()][0]!.generation_id);
    await eventually(() => fake.requestsTo('enqueue').length === 2, 5_000, 'the second enqueue');
    fake.complete([...fake.generations.values()][1]!.generation_id);
    await eventually(async () => (await stateOf(core, late.job.id)) === 'done', 5_000, 'done');
    expect(fake.requestsTo('enqueue')).toHaveLength(2);
  });
});

describe('cancel and retry', () => {
  it('lets only the owner or an admin cancel, and cancels at Oxen', async () => {
    const { fake, core } = await setUp({ timing: 'manual', service: { admins: new Set(['discord:admin']) } });
    const { job } = submitted(await core.service.submit(request('cancel me')));
    await eventually(() => fake.requestsTo('enqueue').length === 1);
    await eventually(async () => (await stateOf(core, job.id)) === 'running');
    expect(await core.service.cancel(job.id, { platform: 'discord', userId: 'stranger' })).toEqual({ ok: false, problems: [{ code: 'job.not_owner', params: { id: job.id } }] });
    const cancelled = await core.service.cancel(job.id, { platform: 'discord', userId: 'admin' });
    expect(cancelled.ok && cancelled.value.phase).toBe('cancelled');
    expect(fake.requestsTo('cancel')).toHaveLength(1);
    expect((await core.service.cancel(job.id, { platform: 'discord', userId: 'u1' })).ok).toBe(false);
  });

  it('retries with the same parameters as a new job', async () => {
    const { core } = await setUp();
    const { job } = submitted(await core.service.submit(request('again please')));
    await eventually(async () => (await stateOf(core, job.id)) === 'done');
    const retried = submitted(await core.service.retry(job.id, { platform: 'discord', userId: 'u1' }));
    expect(retried.job.id).not.toBe(job.id);
    expect(retried.job.retryOf).toBe(job.id);
    expect(retried.job.request).toEqual(job.request);
    const withFiles = submitted(await core.service.submit(request('@cat.png', 'u1', { attachments: [upload('cat.png')] })));
    expect(await core.service.retry(withFiles.job.id, { platform: 'discord', userId: 'u1' })).toEqual({ ok: false, problems: [{ code: 'job.retry_needs_files', params: { id: withFiles.job.id } }] });
    // Some of its files only (the others were too large to keep): not a different job without them.
    const withTwo = submitted(await core.service.submit(request('@cat.png and @dog.jpg', 'u2', { attachments: [upload('cat.png'), upload('dog.jpg')] })));
    expect(await core.service.retry(withTwo.job.id, { platform: 'discord', userId: 'u2' }, { attachments: [upload('cat.png')] })).toEqual({ ok: false, problems: [{ code: 'job.retry_needs_files', params: { id: withTwo.job.id } }] });
  });
});

describe('Oxen faults end in a video or a clear message', () => {
  it('a 5xx on enqueue and nothing under the job\'s tag: one POST, the person told it could not be confirmed, the allowance kept', async () => {
    const { fake, core, handle } = await setUp({ service: { budget: { videoSecondsPerDay: 15 } } });
    fake.failNext(1, { status: 502 }, 'enqueue');
    const { job } = submitted(await core.service.submit(request('unlucky')));
    await eventually(async () => (await stateOf(core, job.id)) === 'failed');
    const record = await handle.store.get(job.id);
    expect(record?.failure?.code).toBe('oxen.unconfirmed');
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
    // Oxen may have made it: the allowance it held is not given back.
    expect((await core.service.submit(request('over the allowance'))).ok).toBe(false);
  });

  it('an enqueue that hangs: no second POST, the queue is checked by the job\'s tag, and the person told', async () => {
    const { fake, port, core, handle } = await setUp();
    fake.hangNext(1, 'enqueue');
    const { job } = submitted(await core.service.submit(request('into the void')));
    await eventually(async () => (await stateOf(core, job.id)) === 'failed', 8_000);
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
    const lookups = fake.requestsTo('listQueue').filter((r) => r.query.folder !== undefined);
    expect(lookups.length).toBeGreaterThan(0);
    for (const lookup of lookups) expect(lookup.query).not.toHaveProperty('model');
    expect((await handle.store.get(job.id))?.failure?.code).toBe('oxen.unconfirmed');
    await eventually(() => port.phasesOf(job.id).at(-1) === 'failed', 2_000, 'the final status edit');
  });

  it('a 429 on enqueue is retried and the job is delivered', async () => {
    const { fake, port, core } = await setUp();
    fake.rateLimitNext(1, 0, 'enqueue');
    const { job } = submitted(await core.service.submit(request('slow down')));
    await eventually(async () => (await stateOf(core, job.id)) === 'done');
    expect(port.uploads).toHaveLength(1);
  });

  it('a dropped stream and malformed events: polling still delivers', async () => {
    const { fake, port, core } = await setUp({ timing: 'manual' });
    const { job } = submitted(await core.service.submit(request('through the storm')));
    await eventually(() => fake.requestsTo('enqueue').length === 1);
    fake.sendMalformedEvent('{not json');
    fake.dropEventStreams();
    const [generation] = fake.generations.keys();
    fake.complete(generation!);
    await eventually(async () => (await stateOf(core, job.id)) === 'done', 5_000);
    expect(port.uploads).toHaveLength(1);
  });

  it('a job stuck in processing is cancelled at the deadline and the person told', async () => {
    const { fake, port, core } = await setUp({ engine: { deadlineMs: 400 } });
    fake.switches.stuckInProcessing = true;
    const { job } = submitted(await core.service.submit(request('forever')));
    await eventually(async () => (await stateOf(core, job.id)) === 'timed_out', 5_000);
    expect(fake.requestsTo('cancel')).toHaveLength(1);
    await eventually(() => port.phasesOf(job.id).at(-1) === 'timed_out', 2_000, 'the final status edit');
  });

  it('a failed generation tells the person why', async () => {
    const { fake, port, core, handle } = await setUp();
    fake.switches.insufficientCredits = true;
    const { job } = submitted(await core.service.submit(request('no money')));
    await eventually(async () => (await stateOf(core, job.id)) === 'failed');
    expect((await handle.store.get(job.id))?.failure).toEqual({ code: 'oxen.insufficient_credits', detail: 'Insufficient credits' });
    await eventually(() => port.phasesOf(job.id).at(-1) === 'failed', 2_000, 'the final status edit');
    expect(port.uploads).toHaveLength(0);
  });
});

describe('restarts and instances', () => {
  it('resumes a running job after a restart and delivers it once', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = sqliteStore();
    cleanups.push(() => fake.close(), () => handle.cleanup());
    const port = new RecordingPort();
    const first = await startCore({ fake, store: handle.store, port });
    const { job } = submitted(await first.service.submit(request('survive a restart')));
    await eventually(() => fake.requestsTo('enqueue').length === 1);
    await first.stop();
    await handle.store.close();

    const [generation] = fake.generations.keys();
    fake.complete(generation!); // finishes while no bot is listening: no replay
    const store = handle.reopen();
    const second = await startCore({ fake, store, port });
    cleanups.push(() => store.close(), () => second.stop());
    await eventually(async () => (await stateOf(second, job.id)) === 'done', 5_000);
    expect(port.uploads).toHaveLength(1);
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
  });

  it('a job submitted while the engine stops is saved, not launched, and the next start delivers it', async () => {
    const fake = await startFakeOxen({ timing: { queuedMs: 20, processingMs: 40 } });
    const handle = sqliteStore();
    cleanups.push(() => fake.close(), () => handle.cleanup());
    const port = new RecordingPort();
    const first = await startCore({ fake, store: handle.store, port });
    await first.engine.stop();
    const { job } = submitted(await first.service.submit(request('just in time')));
    await new Promise((r) => setTimeout(r, 100));
    expect(fake.requestsTo('enqueue')).toHaveLength(0);
    expect(first.errors).toEqual([]);
    await handle.store.close(); // nothing may touch the store after this

    const store = handle.reopen();
    const second = await startCore({ fake, store, port });
    cleanups.push(() => store.close(), () => second.stop());
    await eventually(async () => (await stateOf(second, job.id)) === 'done', 8_000, 'delivered by the next start');
    expect(port.uploads.map((u) => u.jobId)).toEqual([job.id]);
    expect(first.errors).toEqual([]);
  });

  it('two instances on one Redis: a job is delivered once, and a dead instance’s job is taken over', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = redisStore();
    const other = handle.reopen();
    cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => other.close());
    const port = new RecordingPort();
    const a = await startCore({ fake, store: handle.store, port });
    const b = await startCore({ fake, store: other, port });
    cleanups.push(() => b.stop());
    const { job } = submitted(await a.service.submit(request('shared')));
    await eventually(() => fake.requestsTo('enqueue').length === 1);
    // A dies without giving its leases back: B takes the job only when the lease expires.
    await a.engine.stop({ handBack: false });
    const diedAt = Date.now();
    const [generation] = fake.generations.keys();
    fake.complete(generation!);
    await eventually(async () => (await stateOf(b, job.id)) === 'done', 8_000);
    expect(Date.now() - diedAt).toBeGreaterThanOrEqual(500); // waited for A's lease (1 s, renewed until it died)
    expect(port.uploads).toHaveLength(1);
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
  });
});
