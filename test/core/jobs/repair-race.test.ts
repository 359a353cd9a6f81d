/**
 * The periodic slot repair racing the normal end of a job, on the real SQLite store and the real
 * Redis: a job saved as ended whose owner is still letting its slots go is not "left behind" (no
 * error, nothing dropped by the repair), while a slot whose release really failed still is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { INFLIGHT } from '../../../src/core/jobs/context.js';
import type { JobStore } from '../../../src/core/jobs/store.js';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { eventually, redisStore, sqliteStore, startCore, submitted, textRequest, type StoreHandle } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

/** Holds the first release of a global slot (store.leave on `inflight`) until `open()`, then lets it through or fails it. */
function holdInflightRelease(store: JobStore, failing = false) {
  const leave = store.leave.bind(store);
  let reached!: () => void;
  const held = new Promise<void>((resolve) => (reached = resolve));
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  let first = true;
  store.leave = async (set, member) => {
    if (set !== INFLIGHT || !first) return leave(set, member);
    first = false;
    reached();
    await opened;
    if (failing) throw new Error('the store went away');
    return leave(set, member);
  };
  return { held, open };
}

describe.each([
  ['sqlite', sqliteStore],
  ['redis', redisStore],
] as const)('on %s', (_name, make) => {
  async function setUp() {
    const fake = await startFakeOxen({ timing: 'manual' });
    cleanups.push(() => fake.close());
    const handle: StoreHandle = make();
    cleanups.push(() => handle.cleanup(), () => handle.store.close());
    const bot = await startCore({ fake, store: handle.store, port: new RecordingPort(), engine: { globalLimit: 5, repairEveryMs: 60_000 }, service: { perUserLimit: 2 } });
    cleanups.push(() => bot.stop());
    return { fake, store: handle.store, bot };
  }

  it('a job saved as ended while its owner is still releasing its slots is not reported as a leak', async () => {
    const { fake, store, bot } = await setUp();
    const { held, open } = holdInflightRelease(store);
    cleanups.push(async () => open()); // a failed check must not leave the bot stuck in its release
    const job = submitted(await bot.service.submit(textRequest('ends during the repair'))).job;
    await eventually(() => fake.generations.size === 1, 5_000, 'the enqueue');
    fake.complete([...fake.generations.keys()][0]!);
    await held; // saved as done, its global slot not given back yet
    expect((await store.get(job.id))?.state).toBe('done');
    expect(await store.members(INFLIGHT)).toEqual([job.id]);

    const report = await bot.engine.repairSlots();
    expect(report.dropped).toEqual([]);
    expect(bot.errors.filter((e) => e.step === 'repair')).toEqual([]);

    open();
    await eventually(async () => (await store.members(INFLIGHT)).length === 0, 5_000, 'the owner’s own release');
    expect((await bot.engine.repairSlots()).dropped).toEqual([]);
    expect(bot.errors.filter((e) => e.step === 'repair')).toEqual([]);
  });

  it('a release that really failed is still freed and reported, once the owner has let the job go', async () => {
    const { fake, store, bot } = await setUp();
    const { held, open } = holdInflightRelease(store, true);
    const job = submitted(await bot.service.submit(textRequest('its release fails'))).job;
    await eventually(() => fake.generations.size === 1, 5_000, 'the enqueue');
    fake.complete([...fake.generations.keys()][0]!);
    await held;
    open();
    await eventually(() => bot.errors.some((e) => e.step === 'release.inflight'), 5_000, 'the failed release');
    // Freed once the owner has let the job go (its lease too): not before, not twice.
    const dropped: unknown[] = [];
    await eventually(async () => (dropped.push(...(await bot.engine.repairSlots()).dropped), dropped.length > 0), 5_000, 'freed by the repair');
    expect(dropped).toEqual([{ set: INFLIGHT, member: job.id }]);
    expect(await store.members(INFLIGHT)).toEqual([]);
    expect(bot.errors.filter((e) => e.step === 'repair')).toHaveLength(1);
  });
});
