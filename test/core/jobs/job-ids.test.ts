/**
 * A new job never takes an id that a saved job (or another admission under way) has: the id
 * names the person's slot, the job's files and its thread before the record is saved, so a
 * collision found only at the save would have posted a status message and overwritten another
 * job's files, then failed. Six random characters do collide (about 5% of runs of 10,000 jobs
 * in bench:engine), so the id generator is replaced by a sequence here to stage one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { eventually, sqliteStore, startCore, textRequest } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});


describe('job ids', () => {
  it('a new job picks another id when the first one drawn is taken, and both jobs are delivered', async () => {
    const fake = await startFakeOxen({ timing: { queuedMs: 20, processingMs: 40 } });
    const handle = sqliteStore();
    const port = new RecordingPort();
    const ids = ['aaaaaa', 'aaaaaa', 'bbbbbb'];
    const core = await startCore({ fake, store: handle.store, port, service: { newId: () => ids.shift() ?? 'cccccc' } });
    cleanups.push(() => fake.close(), () => handle.store.close(), () => core.stop());

    const first = await core.service.submit(textRequest('a heron', 'ann'));
    const second = await core.service.submit(textRequest('a kite', 'bob'));
    if (!first.ok || !second.ok) throw new Error('not submitted');
    expect(first.value.job.id).toBe('aaaaaa');
    expect(second.value.job.id).toBe('bbbbbb');
    await eventually(async () => (await handle.store.get('aaaaaa'))?.state === 'done' && (await handle.store.get('bbbbbb'))?.state === 'done', 8_000, 'both jobs done');
    expect((await handle.store.get('aaaaaa'))?.requester.userId).toBe('ann');
    expect((await handle.store.get('bbbbbb'))?.requester.userId).toBe('bob');
  });
});
