/**
 * The waiting line is the same whichever instance renders it: two engines on the real Redis (one
 * prefix, two connections), the fake Oxen over loopback, and the recording platform stand-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { eventually, redisStore, startCore, type Core, submitted, textRequest } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});


async function placeOf(core: Core, id: string): Promise<number | undefined> {
  const status = await core.service.status(id);
  return status.ok ? status.value.position : undefined;
}

describe('the waiting line across two instances on one Redis', () => {
  it('shows every waiting job at the same place on both, and serves people in turn across them', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = redisStore();
    const otherStore = handle.reopen();
    cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => otherStore.close());
    const settings = { engine: { globalLimit: 1 }, service: { perUserLimit: 10 } };
    const portA = new RecordingPort();
    const portB = new RecordingPort();
    const a = await startCore({ fake, store: handle.store, port: portA, ...settings });
    const b = await startCore({ fake, store: otherStore, port: portB, ...settings });
    cleanups.push(() => a.stop(), () => b.stop());

    const a1 = submitted(await a.service.submit(textRequest('a1', 'alice')));
    await eventually(() => fake.generations.size === 1, 5_000, 'a1 enqueued');
    const a2 = submitted(await a.service.submit(textRequest('a2', 'alice')));
    const a3 = submitted(await a.service.submit(textRequest('a3', 'alice')));
    const b1 = submitted(await b.service.submit(textRequest('b1', 'bob')));
    const b2 = submitted(await b.service.submit(textRequest('b2', 'bob')));
    expect(a1.job.id).toBeTruthy();

    const expected = new Map([
      [a2.job.id, 1],
      [b1.job.id, 2],
      [a3.job.id, 3],
      [b2.job.id, 4],
    ]);
    expect(await a.engine.positions()).toEqual(expected);
    expect(await b.engine.positions()).toEqual(expected);
    for (const [id, place] of expected) {
      expect(await placeOf(a, id)).toBe(place);
      expect(await placeOf(b, id)).toBe(place);
    }
    // The status messages each instance edits say the same: bob's jobs (B's) behind alice's next one (A's).
    const lastPlace = (port: RecordingPort, id: string) => port.statuses.filter((s) => s.jobId === id && s.position !== undefined).at(-1)?.position;
    await eventually(() => lastPlace(portB, b1.job.id) === 2 && lastPlace(portB, b2.job.id) === 4 && lastPlace(portA, a3.job.id) === 3, 3_000, 'the status edits');

    // Served in that order, whichever instance holds the job and whichever freed the slot.
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await eventually(() => fake.requestsTo('enqueue').length === i + 1, 5_000, `enqueue ${i + 1}`);
      const { prompt } = JSON.parse(fake.requestsTo('enqueue')[i]!.body) as { prompt: string };
      order.push(prompt);
      await new Promise((resolve) => setTimeout(resolve, 50)); // nothing else may start meanwhile
      expect(fake.requestsTo('enqueue')).toHaveLength(i + 1);
      fake.complete([...fake.generations.values()].find((g) => g.prompt === prompt)!.generation_id);
    }
    expect(order).toEqual(['a1', 'a2', 'b1', 'a3', 'b2']);
  });
});
