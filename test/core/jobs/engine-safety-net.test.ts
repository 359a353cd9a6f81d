/**
 * The safety net under the completion stream follows all of an instance's jobs with one listing
 * of the bot's active generations (GET /api/ai/queue?repo=<tag repo>), not one GET per job; what
 * left the listing unseen (a lost event, a cancel, which has no event) is looked up in bounded
 * requests. Real parts throughout (fake Oxen over loopback, SQLite store, real client and
 * engine); only the platform is a recording stand-in. Request counts, not timings, are asserted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/core/jobs/engine.js';
import { DEFAULT_OPTIONS } from '../../../src/core/request.js';
import type { Result } from '../../../src/core/result.js';
import type { Submitted, SubmitInput } from '../../../src/core/service.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { eventually, sqliteStore, startCore, type Core } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

const REPO = DEFAULT_ENGINE_SETTINGS.tagRepo;
const JOBS = 12;

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

function request(i: number): SubmitInput {
  return {
    request: { prompt: `job ${i}`, options: DEFAULT_OPTIONS },
    attachments: [],
    requester: { platform: 'discord', userId: `user-${i}`, scopeId: 'guild-1' },
    destination: { platform: 'discord', channelId: 'channel-1' },
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

async function runningJobs(core: Core, fake: FakeOxen): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) ids.push(submitted(await core.service.submit(request(i))).job.id);
  await eventually(async () => fake.generations.size === JOBS && (await Promise.all(ids.map((id) => stateOf(core, id)))).every((s) => s === 'running'), 5_000, 'every job at Oxen');
  return ids;
}

async function setUp() {
  const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
  const handle = sqliteStore();
  const port = new RecordingPort();
  const core = await startCore({ fake, store: handle.store, port });
  cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => core.stop());
  return { fake, handle, port, core };
}

const everyJobDone = (core: Core, ids: string[]) => async () => (await Promise.all(ids.map((id) => stateOf(core, id)))).every((s) => s === 'done');

describe('the safety net', () => {
  it(`${JOBS} running jobs cause one listing of the bot's tag per round, not a GET per job, and the listing's news is applied`, async () => {
    const { fake, port, core } = await setUp();
    const ids = await runningJobs(core, fake);
    fake.clearRequests();
    await new Promise((resolve) => setTimeout(resolve, 1_300)); // about four rounds (listEveryMs 300)
    const listings = fake.requestsTo('listQueue');
    expect(fake.requestsTo('getGeneration')).toHaveLength(0);
    expect(listings.length).toBeGreaterThanOrEqual(2);
    expect(listings.length).toBeLessThanOrEqual(8);
    for (const listing of listings) expect(listing.query).toEqual({ repo: REPO });

    // Oxen starts one: no event exists for that, so only the listing can tell.
    const [first] = fake.generations.keys();
    fake.advance(first!);
    await eventually(() => ids.some((id) => port.phasesOf(id).includes('processing')), 3_000, 'the processing phase from the listing');
    expect(fake.requestsTo('getGeneration')).toHaveLength(0);
  });

  it('events lost while the stream is down: the ended jobs are found by the status listings, no GET per job, each delivered once', async () => {
    const { fake, port, core } = await setUp();
    const ids = await runningJobs(core, fake);
    fake.clearRequests();
    fake.dropEventStreams();
    for (const id of fake.generations.keys()) fake.complete(id); // nobody listening: the events are lost
    await eventually(everyJobDone(core, ids), 8_000, 'every job done');
    expect(port.uploads).toHaveLength(JOBS);
    expect(new Set(port.uploads.map((u) => u.generationId)).size).toBe(JOBS);
    expect(fake.requestsTo('getGeneration')).toHaveLength(0);
    const statuses = fake.requestsTo('listQueue').map((r) => r.query.status);
    expect(statuses).toContain('succeeded');
    for (const listing of fake.requestsTo('listQueue')) expect(listing.query.repo).toBe(REPO);
  });

  it('while the listing fails, a bounded number of single lookups a round still moves the jobs on', async () => {
    const { fake, port, core } = await setUp();
    const { job } = submitted(await core.service.submit(request(0)));
    await eventually(async () => (await stateOf(core, job.id)) === 'running', 3_000, 'running');
    fake.failNext(10_000, { status: 500, body: { error: 'listing down' } }, 'listQueue');
    fake.dropEventStreams();
    for (const id of fake.generations.keys()) fake.complete(id); // the event is lost
    await eventually(async () => (await stateOf(core, job.id)) === 'done', 5_000, 'done through single lookups');
    expect(port.uploads).toHaveLength(1);
    expect(fake.requestsTo('getGeneration').length).toBeGreaterThan(0);
    fake.faults.clear();
  });

  it('a generation cancelled at Oxen (which sends no event) ends its job as cancelled, with at most a GET or two', async () => {
    const { fake, core } = await setUp();
    const { job } = submitted(await core.service.submit(request(0)));
    await eventually(async () => (await stateOf(core, job.id)) === 'running', 3_000, 'running');
    fake.clearRequests();
    const [generation] = fake.generations.keys();
    await core.oxen.cancel(generation!); // as from Oxen's own site
    await eventually(async () => (await stateOf(core, job.id)) === 'cancelled', 5_000, 'cancelled');
    expect(fake.requestsTo('getGeneration').length).toBeLessThanOrEqual(2);
  });

  it(`a restart with ${JOBS} running jobs is reconciled with a few listings, not a GET per job`, async () => {
    const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
    const handle = sqliteStore();
    cleanups.push(() => fake.close(), () => handle.cleanup());
    const port = new RecordingPort();
    const first = await startCore({ fake, store: handle.store, port });
    const ids = await runningJobs(first, fake);
    await first.stop();
    await handle.store.close();
    const generations = [...fake.generations.keys()];
    for (const id of generations.slice(0, JOBS / 2)) fake.complete(id); // ended while no bot listened
    fake.clearRequests();

    const store = handle.reopen();
    const second = await startCore({ fake, store, port });
    cleanups.push(() => store.close(), () => second.stop());
    await eventually(async () => port.uploads.length === JOBS / 2, 5_000, 'the jobs that ended meanwhile delivered');
    expect(new Set(port.uploads.map((u) => u.generationId))).toEqual(new Set(generations.slice(0, JOBS / 2)));
    await eventually(() => second.engine.trackedCount === JOBS / 2, 2_000, 'the finished jobs let go');
    expect(fake.requestsTo('getGeneration')).toHaveLength(0);
    expect(fake.requestsTo('listQueue').length).toBeLessThanOrEqual(10);
    expect(ids).toHaveLength(JOBS);
  });
});
