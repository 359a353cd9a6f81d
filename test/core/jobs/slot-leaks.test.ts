/**
 * Slots and reservations never leak, on the real SQLite store and the real Redis: a store failure
 * or a crash in the middle of an admission, a release that fails, a refund around a failed save,
 * a cancel racing a launch on another instance. Real parts throughout; the platform is the
 * recording stand-in, and store failures are injected by wrapping one method of the real store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { budgetCounter } from '../../../src/core/jobs/budget.js';
import { userSet } from '../../../src/core/jobs/engine.js';
import { isTerminal, type JobRecord } from '../../../src/core/jobs/job.js';
import { ADMISSION_MARK_MS, admissionMark } from '../../../src/core/jobs/repair.js';
import type { JobStore } from '../../../src/core/jobs/store.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { eventually, redisStore, sqliteStore, startCore, type Core, type StoreHandle, submitted, textRequest } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const person = (user: string) => userSet({ requester: { platform: 'discord', userId: user, scopeId: 'guild-1' } });

const LIMITS = { perUserLimit: 1, budget: { videoSecondsPerDay: 1_000 } };

async function fakeOxen(): Promise<FakeOxen> {
  const fake = await startFakeOxen({ timing: 'manual' });
  cleanups.push(() => fake.close());
  return fake;
}

async function core(fake: FakeOxen, store: JobStore, engine: Parameters<typeof startCore>[0]['engine'] = {}, port = new RecordingPort()): Promise<Core> {
  const started = await startCore({ fake, store, port, engine: { globalLimit: 1, ...engine }, service: LIMITS });
  cleanups.push(() => started.stop());
  return started;
}

function opened(make: () => StoreHandle): StoreHandle {
  const handle = make();
  cleanups.push(() => handle.cleanup(), () => handle.store.close());
  return handle;
}

const stateOf = async (store: JobStore, id: string) => (await store.get(id))?.state;
const budgetUsed = (store: JobStore, job: JobRecord) => store.counterValue(budgetCounter(job, 'seconds'));

describe.each([
  ['sqlite', sqliteStore],
  ['redis', redisStore],
] as const)('on %s', (_name, make) => {
  it('a store failure between taking the person’s slot and saving the job gives the slot and the budget back', async () => {
    const fake = await fakeOxen();
    const { store } = opened(make);
    const create = store.create.bind(store);
    let failures = 1;
    store.create = async (record) => {
      if (failures-- > 0) throw new Error('the store went away');
      return create(record);
    };
    const bot = await core(fake, store);
    await expect(bot.service.submit(textRequest('unlucky'))).rejects.toThrow('the store went away');
    expect(await store.members(person('u1'))).toEqual([]);
    const next = submitted(await bot.service.submit(textRequest('the slot came back'))); // limit 1 per person
    expect(await budgetUsed(store, next.job)).toBe(next.job.reservation.videoSeconds); // the first one's was given back
  });

  it('a slot left by a crash mid-admission is dropped at start-up, but not one whose admission is under way', async () => {
    const fake = await fakeOxen();
    const { store } = opened(make);
    // A crashed submit: the slot was taken, the job never saved, no admission mark.
    await store.joinCapped(person('u1'), 'ghost1', 1);
    // Another instance admitting right now: the mark is held, the record not saved yet.
    await store.acquireLease(admissionMark('being1'), 'being1', ADMISSION_MARK_MS);
    await store.joinCapped(person('u2'), 'being1', 1);
    const bot = await core(fake, store, { repairEveryMs: 60_000 });
    submitted(await bot.service.submit(textRequest('not blocked for good', 'u1')));
    expect(await store.members(person('u2'))).toEqual(['being1']);
    expect((await bot.engine.repairSlots()).dropped).toEqual([]);
  });

  it('a global slot whose release failed is freed by the regular repair, and by the next start', async () => {
    const fake = await fakeOxen();
    const handle = opened(make);
    const { store } = handle;
    const leave = store.leave.bind(store);
    let failures = 1;
    store.leave = async (set, member) => {
      if (set === 'inflight' && failures-- > 0) throw new Error('the store went away');
      return leave(set, member);
    };
    const bot = await core(fake, store, { repairEveryMs: 300 });
    const first = submitted(await bot.service.submit(textRequest('first', 'u1')));
    const second = submitted(await bot.service.submit(textRequest('second', 'u2'))); // waits: one global slot
    await eventually(() => fake.generations.size === 1, 5_000, 'the first enqueue');
    fake.complete([...fake.generations.keys()][0]!);
    await eventually(async () => (await stateOf(store, first.job.id)) === 'done', 5_000, 'the first job done');
    await eventually(() => fake.generations.size === 2, 5_000, 'the second job started after the repair');
    expect(bot.errors.some((e) => e.step === 'repair')).toBe(true);
    fake.complete([...fake.generations.keys()][1]!);
    await eventually(async () => (await stateOf(store, second.job.id)) === 'done', 5_000, 'the second job done');

    // Across a restart: a slot held by a finished job (its release failed just before a crash).
    await bot.stop();
    await store.joinCapped('inflight', first.job.id, 1);
    const again = await core(fake, store, { repairEveryMs: 60_000 });
    const third = submitted(await again.service.submit(textRequest('third', 'u3')));
    await eventually(() => fake.generations.size === 3, 5_000, 'the third job started after the start-up repair');
    expect(await store.members('inflight')).toEqual([third.job.id]);
  });

  it('a refund is given once when the ended job’s save fails and the bot dies before it is saved', async () => {
    const fake = await fakeOxen();
    const handle = opened(make);
    const { store } = handle;
    const bot = await core(fake, store, { globalLimit: 5 });
    const keeper = submitted(await bot.service.submit(textRequest('keeps running', 'u2')));
    const doomed = submitted(await bot.service.submit(textRequest('fails at Oxen', 'u1')));
    await eventually(() => fake.generations.size === 2, 5_000, 'both enqueued');
    const put = store.put.bind(store);
    let failures = 1;
    store.put = async (record) => {
      if (record.id === doomed.job.id && isTerminal(record.state) && failures > 0) {
        failures--;
        void bot.engine.stop({ handBack: false }); // the crash, right as the save fails
        throw new Error('the store went away');
      }
      return put(record);
    };
    const generation = [...fake.generations.values()].find((g) => g.prompt === 'fails at Oxen')!;
    fake.complete(generation.generation_id, { status: 'failed', error: 'the model could not' });
    await eventually(() => failures === 0, 5_000, 'the failed save');
    expect(await stateOf(store, doomed.job.id)).toBe('running');

    const store2 = handle.reopen();
    cleanups.push(() => store2.close());
    await core(fake, store2, { globalLimit: 5 });
    await eventually(async () => (await stateOf(store2, doomed.job.id)) === 'failed', 8_000, 'ended by the next start');
    // The keeper's reservation only: the failed job's was given back once, not twice.
    expect(await budgetUsed(store2, keeper.job)).toBe(keeper.job.reservation.videoSeconds);
    expect((await store2.get(doomed.job.id))?.reservation.settled).toBe(true);
  });
});

describe('two instances on one Redis', () => {
  it('a cancel racing a launch on the other instance: ended once, refunded once, never enqueued', async () => {
    const fake = await fakeOxen();
    const handle = opened(redisStore);
    const otherStore = handle.reopen();
    cleanups.push(() => otherStore.close());
    const a = await core(fake, handle.store);
    const b = await core(fake, otherStore);
    const first = submitted(await a.service.submit(textRequest('holds the one slot', 'u1')));
    const raced = submitted(await a.service.submit(textRequest('cancelled while launched', 'u2'))); // waits on A
    await eventually(() => fake.generations.size === 1, 5_000, 'the first enqueue');

    // A's launch reads the record (still waiting), then is held until B's cancel is through.
    let reached!: () => void;
    const launchRead = new Promise<void>((resolve) => (reached = resolve));
    let letGo!: () => void;
    const cancelled = new Promise<void>((resolve) => (letGo = resolve));
    const get = handle.store.get.bind(handle.store);
    let armed = true;
    handle.store.get = async (id) => {
      const record = await get(id);
      if (armed && id === raced.job.id) {
        armed = false;
        reached();
        await cancelled;
      }
      return record;
    };
    fake.switches.insufficientCredits = true; // were it launched, it would fail and be refunded again
    fake.complete([...fake.generations.keys()][0]!);
    await launchRead;
    const view = await b.service.cancel(raced.job.id, { platform: 'discord', userId: 'u2' });
    expect(view.ok && view.value.phase).toBe('cancelled');
    letGo();

    await eventually(async () => (await stateOf(handle.store, first.job.id)) === 'done', 5_000, 'the first job done');
    await eventually(async () => (await handle.store.members('inflight')).length === 0, 5_000, 'the global slot free');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.requestsTo('enqueue')).toHaveLength(1);
    expect(await stateOf(handle.store, raced.job.id)).toBe('cancelled');
    expect(await handle.store.members(person('u2'))).toEqual([]);
    // Budget: the first job's stays spent; the cancelled one's came back exactly once.
    expect(await budgetUsed(handle.store, first.job)).toBe(first.job.reservation.videoSeconds);
  });
});
