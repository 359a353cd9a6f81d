/**
 * The fit path of a delivery on every way it can end, with the real engine and store against the
 * fake Oxen: a video that cannot fit becomes one link to the original, a fitter that keeps
 * failing ends in the upload-failed link after the bounded retries; each time the job ends, the
 * person's slot comes back (their next job runs), and no temporary directory is left behind. A
 * directory left by a crash is removed at the next start, a fresh one is not. (The port is the
 * in-memory RecordingPort: the platforms' own paths are tested in test/discord and test/slack.)
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeStaleFitDirs } from '../../../src/core/jobs/delivery-fit.js';
import { FitError, type ResultFitter } from '../../../src/core/media/fit-result.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { eventually, sqliteStore, startCore, submitted, textRequest, type Core, type StoreHandle } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

let fake: FakeOxen | undefined;
let core: Core | undefined;
let handle: StoreHandle | undefined;
let temp: string | undefined;
afterEach(async () => {
  await core?.stop();
  await fake?.close();
  await handle?.store.close();
  await handle?.cleanup();
  if (temp) rmSync(temp, { recursive: true, force: true });
  fake = core = handle = temp = undefined;
});

async function world(fitter: ResultFitter) {
  fake = await startFakeOxen({ timing: { queuedMs: 10, processingMs: 20 }, keepAliveMs: 1_000 });
  handle = sqliteStore();
  temp = mkdtempSync(join(tmpdir(), 'fit-temp-'));
  const port = new RecordingPort();
  port.limitBytes = 100;
  core = await startCore({ fake, store: handle.store, port, service: { perUserLimit: 1 }, results: { fitter, tempDir: temp } });
  return { port, core };
}

async function ends(c: Core, id: string) {
  await eventually(async () => {
    const s = await c.service.status(id);
    return s.ok && s.value.job.state === 'done';
  }, 15_000, `job ${id} done`);
}

describe('delivery of a video over the limit', () => {
  it('cannot fit: one link to the original, the slot back, no temporary files', async () => {
    let calls = 0;
    const { port, core: c } = await world({ fit: async () => (calls++, Promise.reject(new FitError('fit.too_small', 'cannot fit at 480p'))) });
    const first = submitted(await c.service.submit(textRequest('a fox'))).job.id;
    await ends(c, first);
    expect(calls).toBe(1);
    expect(port.links.map((l) => l.reason)).toEqual(['too_big']);
    expect(port.uploads).toHaveLength(0);
    expect(readdirSync(temp!)).toEqual([]);
    // perUserLimit 1: the next job is admitted only because the first one's slot came back.
    const second = submitted(await c.service.submit(textRequest('a second fox'))).job.id;
    await ends(c, second);
    expect(port.links).toHaveLength(2);
  }, 30_000);

  it('a fitter that keeps failing: bounded retries, then the link; the slot back, no temporary files', async () => {
    let calls = 0;
    const { port, core: c } = await world({ fit: async () => (calls++, Promise.reject(new Error('the encoder crashed'))) });
    const id = submitted(await c.service.submit(textRequest('a fox'))).job.id;
    await ends(c, id);
    expect(calls).toBe(3);
    expect(port.links.map((l) => l.reason)).toEqual(['upload_failed']);
    expect(readdirSync(temp!)).toEqual([]);
    const next = submitted(await c.service.submit(textRequest('another fox'))).job.id;
    await ends(c, next);
  }, 30_000);
});

describe('removeStaleFitDirs', () => {
  it('removes fit directories older than the limit and keeps fresh ones and other files', async () => {
    temp = mkdtempSync(join(tmpdir(), 'fit-sweep-'));
    for (const name of ['seedance-fit-old', 'seedance-fit-new', 'something-else']) mkdirSync(join(temp, name));
    const twoHoursAgo = (Date.now() - 2 * 3_600_000) / 1000;
    utimesSync(join(temp, 'seedance-fit-old'), twoHoursAgo, twoHoursAgo);
    utimesSync(join(temp, 'something-else'), twoHoursAgo, twoHoursAgo);
    expect(await removeStaleFitDirs(temp)).toBe(1);
    expect(readdirSync(temp).sort()).toEqual(['seedance-fit-new', 'something-else']);
  });
});
