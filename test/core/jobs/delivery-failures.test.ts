/**
 * Deliveries that cannot succeed end. Real parts throughout (the fake Oxen over loopback, the real
 * SQLite store, the real client and engine); only the platform is a stand-in (RecordingPort) that
 * refuses both the upload and the link, as a deleted channel or a removed bot would.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { budgetCounter } from '../../../src/core/jobs/budget.js';
import { userSet } from '../../../src/core/jobs/engine.js';
import type { GenerationRecord, JobRecord } from '../../../src/core/jobs/job.js';
import type { LinkReason, UploadOutcome, VideoFile } from '../../../src/core/jobs/ports.js';
import { describeFailure } from '../../../src/core/messages.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { eventually, sqliteStore, startCore, type Core, type StoreHandle, submitted, textRequest } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

/** A thread that is gone: every upload and every link is refused, until `refusing` is turned off. */
class GoneChannelPort extends RecordingPort {
  refusing = true;
  uploadsTried = 0;
  linksTried = 0;

  override async uploadVideo(job: JobRecord, video: VideoFile): Promise<UploadOutcome> {
    if (!this.refusing) return super.uploadVideo(job, video);
    this.uploadsTried++;
    for await (const _chunk of video.body) break; // the download was under way
    throw Object.assign(new Error('Unknown Channel'), { code: 10003 });
  }

  override async postLink(job: JobRecord, generation: GenerationRecord, url: string, reason: LinkReason): Promise<void> {
    if (!this.refusing) return super.postLink(job, generation, url, reason);
    this.linksTried++;
    throw Object.assign(new Error('Unknown Channel'), { code: 10003 });
  }
}

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});


async function start(fake: FakeOxen, handle: StoreHandle, port: GoneChannelPort, engine: Parameters<typeof startCore>[0]['engine'] = {}): Promise<Core> {
  const core = await startCore({
    fake,
    store: handle.store,
    port,
    engine: { globalLimit: 1, deliveryRetry: { maxAttempts: 4, baseDelayMs: 30, maxDelayMs: 100 }, ...engine },
    service: { perUserLimit: 1, budget: { videoSecondsPerDay: 1_000 } },
  });
  cleanups.push(() => core.stop());
  return core;
}

async function completeOnly(fake: FakeOxen): Promise<void> {
  await eventually(() => fake.generations.size === 1, 5_000, 'the enqueue');
  fake.complete([...fake.generations.keys()][0]!);
}

describe('a delivery that cannot succeed', () => {
  it('ends as a failed delivery after a bounded number of attempts, frees both slots, and the next job starts', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = sqliteStore();
    cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close());
    const port = new GoneChannelPort();
    const core = await start(fake, handle, port);
    const { job } = submitted(await core.service.submit(textRequest('into a deleted channel')));
    await completeOnly(fake);

    await eventually(async () => (await handle.store.get(job.id))?.state === 'failed', 5_000, 'the job to end');
    const ended = (await handle.store.get(job.id))!;
    expect(ended.failure).toEqual({ code: 'job.delivery_failed' });
    expect(ended.generations[0]).toMatchObject({ status: 'succeeded', delivery: 'failed', deliveryErrors: 4 });
    // Three uploads (each with a download), then the link alone, without downloading again.
    expect(port.uploadsTried).toBe(3);
    expect(port.linksTried).toBe(2);
    expect(fake.requestCounts()['resultFile']).toBe(3);
    // Told where it can still be told: the status message says so.
    await eventually(() => port.phasesOf(job.id).at(-1) === 'failed', 2_000, 'the final status edit');
    expect(describeFailure(ended.failure!)).toMatch(/could not post it here/);
    // Both slots are back; the video was made and paid for at Oxen, so the allowance stays spent.
    await eventually(async () => (await handle.store.members('inflight')).length === 0, 2_000, 'the global slot back');
    await eventually(async () => (await handle.store.members(userSet(ended))).length === 0, 2_000, 'the person’s slot back');
    expect(await handle.store.counterValue(budgetCounter(ended, 'seconds'))).toBe(ended.reservation.videoSeconds);

    port.refusing = false;
    const next = submitted(await core.service.submit(textRequest('the next one'))); // the same person, the one global slot
    await eventually(() => fake.generations.size === 2, 5_000, 'the next enqueue');
    fake.complete([...fake.generations.keys()][1]!);
    await eventually(async () => (await handle.store.get(next.job.id))?.state === 'done', 5_000, 'the next job delivered');
    expect(port.uploads.map((u) => u.jobId)).toEqual([next.job.id]);
  });

  it('keeps counting across a restart: the failures and the wait are saved with the generation', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = sqliteStore();
    cleanups.push(() => fake.close(), () => handle.cleanup());
    const port = new GoneChannelPort();
    const first = await start(fake, handle, port, { deliveryRetry: { maxAttempts: 4, baseDelayMs: 150, maxDelayMs: 150 } });
    const { job } = submitted(await first.service.submit(textRequest('through a restart')));
    await completeOnly(fake);
    await eventually(async () => ((await handle.store.get(job.id))?.generations[0]?.deliveryErrors ?? 0) >= 2, 5_000, 'two failures');
    const saved = (await handle.store.get(job.id))!.generations[0]!;
    expect(saved.nextDeliveryAt).toBeGreaterThan(Date.now() - 1_000);
    await first.stop();
    await handle.store.close();

    const store = handle.reopen();
    cleanups.push(() => store.close());
    const second = await start(fake, { ...handle, store }, port, { deliveryRetry: { maxAttempts: 4, baseDelayMs: 150, maxDelayMs: 150 } });
    await eventually(async () => (await store.get(job.id))?.state === 'failed', 5_000, 'the job to end after the restart');
    // Four attempts in all (the third tries the upload, then the link), not four more after the restart.
    expect(port.uploadsTried).toBe(3);
    expect(port.linksTried).toBe(2);
    expect((await store.get(job.id))!.generations[0]!.deliveryErrors).toBe(4);
    expect(second.errors.filter((e) => e.step === 'delivery').length).toBeLessThanOrEqual(2);
  });

  it('past the job deadline a failing delivery is given up after its second attempt', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = sqliteStore();
    cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close());
    const port = new GoneChannelPort();
    const core = await start(fake, handle, port, { deadlineMs: 1_500, deliveryRetry: { maxAttempts: 1_000, baseDelayMs: 50, maxDelayMs: 50 } });
    const { job } = submitted(await core.service.submit(textRequest('late and lost')));
    await completeOnly(fake);
    await eventually(async () => ['failed', 'timed_out', 'done'].includes((await handle.store.get(job.id))?.state ?? ''), 8_000, 'the job to end');
    const ended = (await handle.store.get(job.id))!;
    expect(ended.state).toBe('failed');
    expect(ended.failure?.code).toBe('job.delivery_failed');
    expect(ended.generations[0]!.deliveryErrors).toBeGreaterThan(1);
    expect(ended.generations[0]!.deliveryErrors).toBeLessThan(100);
    await eventually(async () => (await handle.store.members('inflight')).length === 0, 2_000, 'the global slot back');
  });
});
