/**
 * Edits of a job's status message when the platform is slow (rate limits): edits still waiting
 * behind the one under way collapse into one with the newest view, and the last edit always shows
 * where the job ended. Real parts: the fake Oxen (its generations moved by hand), the real SQLite
 * store, client, engine and service; the platform is the recording stand-in with a gate on its edits.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/core/jobs/job.js';
import type { JobView } from '../../../src/core/jobs/ports.js';
import { PROGRESS_EDITS_PER_SECOND } from '../../../src/core/jobs/tick.js';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { eventually, sqliteStore, startCore, submitted, textRequest } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** A port whose status edits hang until `open()` while `closed`, as a rate-limited platform's would. */
class GatedPort extends RecordingPort {
  closed = false;
  private waiting: (() => void)[] = [];
  started = 0;

  override async updateStatus(job: JobRecord, view: JobView) {
    this.started++;
    if (this.closed) await new Promise<void>((resolve) => this.waiting.push(resolve));
    await super.updateStatus(job, view);
  }

  open(): void {
    this.closed = false;
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

describe('status edits on a slow platform', () => {
  it('edits waiting behind a slow one go out as one, with the newest view', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = sqliteStore();
    const port = new GatedPort();
    // No progress edits in this test: only the phases.
    const core = await startCore({ fake, store: handle.store, port, engine: { progressIntervalMs: 3_600_000 } });
    cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => core.stop());

    const { job } = submitted(await core.service.submit(textRequest('a lighthouse in a storm')));
    await eventually(() => port.phasesOf(job.id).includes('queued'), 5_000, 'the queued edit');
    const generationId = [...fake.generations.keys()][0]!;

    // The platform stalls on the next edit (processing); meanwhile the video is made and delivered.
    port.closed = true;
    const startedBefore = port.started;
    fake.advance(generationId);
    await eventually(() => port.started === startedBefore + 1, 5_000, 'the processing edit to start');
    fake.advance(generationId);
    await eventually(() => port.uploads.length === 1, 5_000, 'the upload');
    await eventually(async () => (await handle.store.get(job.id))?.state === 'done', 5_000, 'the job to end');
    // The ending's own edit comes right after its save and the slots' release.
    await eventually(() => core.engine.trackedCount === 0, 5_000, 'the job to be let go');

    // What Oxen charged is looked up once the job has let go, then shown by one more edit, which
    // waits behind the stalled one too.
    await eventually(async () => (await handle.store.get(job.id))?.generations[0]?.cost !== undefined, 5_000, 'the cost');

    const before = port.phasesOf(job.id).length;
    port.open();
    await eventually(() => port.phasesOf(job.id).at(-1) === 'done', 5_000, 'the final edit');
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The stalled processing edit, then where the job ended: never a stale delivering. The edit
    // with the cost goes out with it, or right after it when it came once the gate opened.
    const after = port.phasesOf(job.id).slice(before);
    expect(after[0]).toBe('processing');
    expect(after.slice(1).length).toBeGreaterThanOrEqual(1);
    expect(after.slice(1).length).toBeLessThanOrEqual(2);
    expect(after.slice(1).every((phase) => phase === 'done')).toBe(true);
    // The cost's edit came after the job was let go: nothing about the job stays remembered.
    expect(core.engine.statusRemembered).toBe(0);
  });

  it('progress edits of many running jobs stay within a rate for all of them together, and take turns', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = sqliteStore();
    const port = new RecordingPort();
    // Each job would be due a progress edit every tick: 40 jobs, 400 edits a second without a cap.
    const core = await startCore({ fake, store: handle.store, port, engine: { globalLimit: 100, tickMs: 100, progressIntervalMs: 100 } });
    cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => core.stop());
    const ids: string[] = [];
    for (let i = 0; i < 40; i++) ids.push(submitted(await core.service.submit(textRequest(`a lighthouse ${i}`, `u${i}`))).job.id);
    await eventually(() => ids.every((id) => port.phasesOf(id).includes('queued')), 5_000, 'every job at Oxen');

    const from = port.statuses.length;
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const progress = port.statuses.slice(from);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.length).toBeLessThanOrEqual(2 * PROGRESS_EDITS_PER_SECOND + 5);
    expect(new Set(progress.map((s) => s.jobId)).size).toBeGreaterThanOrEqual(Math.min(ids.length, PROGRESS_EDITS_PER_SECOND) );
  });
});
