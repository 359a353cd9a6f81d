/**
 * What a job in flight costs in memory. With 10,000 in flight every byte per job counts (issue 10:
 * peak RSS at most 150 MB), and V8 (Node 20) gives an object made by a literal that opens with a
 * spread (`{ ...a, b }`) a hidden class of its own: about 400 bytes per object, more than the
 * object itself. Real parts: the fake Oxen, the real SQLite store, client, engine and service.
 * V8's own %HaveSameMap tells whether two objects share their hidden class.
 */
import { setFlagsFromString } from 'node:v8';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobRecord } from '../../../src/core/jobs/job.js';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { sqliteStore, startCore, submitted, textRequest } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

setFlagsFromString('--allow-natives-syntax');
const sameShape = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

/** Paths of the objects in `a` whose hidden class differs from the one at the same path in `b` (same keys only). */
function ownShapes(a: unknown, b: unknown, path = 'job'): string[] {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return [];
  const keys = Object.keys(a);
  if (keys.join() !== Object.keys(b).join()) return [];
  const own = !Array.isArray(a) && !sameShape(a, b) ? [path] : [];
  return [...own, ...keys.flatMap((k) => ownShapes((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`))];
}

describe('jobs in flight', () => {
  it('share their hidden classes: no object of a job record has a shape of its own', async () => {
    const fake = await startFakeOxen({ timing: 'manual' });
    const handle = sqliteStore();
    const port = new RecordingPort();
    const core = await startCore({ fake, store: handle.store, port, engine: { globalLimit: 100 } });
    cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => core.stop());

    // More jobs than V8's inline caches keep shapes for (a few), so a per-object shape shows.
    const jobs: JobRecord[] = [];
    for (let i = 0; i < 40; i++) jobs.push(submitted(await core.service.submit(textRequest(`a lighthouse ${i}`, `u${i}`))).job);
    expect(jobs[0]!.destination.statusMessageId).toBeDefined();
    expect(jobs[0]!.settings).toBeDefined();

    const own = jobs.slice(20).flatMap((job) => ownShapes(job, jobs[10]));
    expect([...new Set(own)]).toEqual([]);
  });
});
