/** The cap on bytes downloaded at once: waits in arrival order, never overtakes, lets a waiter leave. */
import { describe, expect, it } from 'vitest';
import { DownloadGate } from '../../../src/core/references/download-gate.js';

const settled = () => new Promise((resolve) => setImmediate(resolve));

describe('DownloadGate', () => {
  it('grants within the cap, then in arrival order as bytes come back', async () => {
    const gate = new DownloadGate(100);
    const order: string[] = [];
    const take = (name: string, bytes: number) =>
      gate.acquire(bytes).then((release) => {
        order.push(name);
        return release;
      });
    const a = take('a', 60);
    const b = take('b', 50); // does not fit beside a
    const c = take('c', 10); // would fit, but must not overtake b
    await settled();
    expect(order).toEqual(['a']);
    expect(gate.inUseBytes).toBe(60);
    expect(gate.waitingCount).toBe(2);
    (await a)();
    await settled();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(gate.inUseBytes).toBe(60);
    (await b)();
    (await c)();
    (await c)(); // a second release changes nothing
    expect(gate.inUseBytes).toBe(0);
  });

  it('lets a file larger than the cap through alone, and a waiter whose request was cancelled leave', async () => {
    const gate = new DownloadGate(100);
    const small = await gate.acquire(30);
    const huge = gate.acquire(500);
    const abort = new AbortController();
    const cancelled = gate.acquire(10, abort.signal);
    abort.abort(new Error('request cancelled'));
    await expect(cancelled).rejects.toThrow('request cancelled');
    expect(gate.waitingCount).toBe(1);
    small();
    const releaseHuge = await huge;
    expect(gate.inUseBytes).toBe(100);
    releaseHuge();
    expect(gate.inUseBytes).toBe(0);
  });
});
