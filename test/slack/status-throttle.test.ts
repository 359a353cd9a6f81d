/**
 * The status-edit throttle on its own: only the latest view of a message is written, one write
 * per channel at a time spaced by the interval, a global rate cap, terminal views first, never
 * replaced by a later non-terminal one, and tried again when they fail.
 */
import { describe, expect, it } from 'vitest';
import { StatusThrottle } from '../../src/slack/status-throttle.js';
import { eventually } from '../helpers/harness.js';

const settings = { perChannelMs: 50, perSecond: 1_000, burst: 1_000, terminalAttempts: 3 };

function recorder() {
  const writes: { key: string; value: string; at: number }[] = [];
  const write = (key: string, value: string, ms = 0) => async () => {
    if (ms) await new Promise((r) => setTimeout(r, ms));
    writes.push({ key, value, at: Date.now() });
  };
  return { writes, write };
}

describe('StatusThrottle', () => {
  it('coalesces: a burst of views of one message ends with the latest written', async () => {
    const { writes, write } = recorder();
    const throttle = new StatusThrottle(settings, () => undefined);
    for (let i = 0; i < 100; i++) throttle.push('C1:1', 'C1', false, write('C1:1', `v${i}`, 5));
    await throttle.drain(2_000);
    expect(writes.length).toBeLessThanOrEqual(3);
    expect(writes.at(-1)!.value).toBe('v99');
    expect(throttle.counts.coalesced).toBeGreaterThan(90);
    throttle.close();
  });

  it('spaces writes in one channel and lets channels go side by side', async () => {
    const { writes, write } = recorder();
    const throttle = new StatusThrottle(settings, () => undefined);
    for (let i = 0; i < 4; i++) {
      throttle.push(`C1:${i}`, 'C1', false, write(`C1:${i}`, 'x'));
      throttle.push(`C2:${i}`, 'C2', false, write(`C2:${i}`, 'x'));
    }
    await throttle.drain(3_000);
    expect(writes).toHaveLength(8);
    for (const channel of ['C1', 'C2']) {
      const times = writes.filter((w) => w.key.startsWith(channel)).map((w) => w.at);
      for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(45);
    }
    // Both channels started at once rather than one after the other.
    expect(Math.abs(writes.find((w) => w.key === 'C1:0')!.at - writes.find((w) => w.key === 'C2:0')!.at)).toBeLessThan(40);
    throttle.close();
  });

  it('writes terminal views first and never replaces one with a later progress view', async () => {
    const { writes, write } = recorder();
    const throttle = new StatusThrottle(settings, () => undefined);
    throttle.push('C1:0', 'C1', false, write('C1:0', 'busy', 20)); // occupies the channel
    for (let i = 1; i <= 5; i++) throttle.push(`C1:${i}`, 'C1', false, write(`C1:${i}`, 'progress'));
    throttle.push('C1:9', 'C1', true, write('C1:9', 'done'));
    throttle.push('C1:9', 'C1', false, write('C1:9', 'stale progress'));
    await throttle.drain(3_000);
    expect(writes.map((w) => w.key)[1]).toBe('C1:9');
    expect(writes.filter((w) => w.key === 'C1:9').map((w) => w.value)).toEqual(['done']);
    throttle.close();
  });

  it('tries a failed terminal write again', async () => {
    let attempts = 0;
    const errors: unknown[] = [];
    const throttle = new StatusThrottle(settings, (error) => errors.push(error));
    throttle.push('C1:1', 'C1', true, async () => {
      if (++attempts < 3) throw new Error('ratelimited');
    });
    await eventually(() => attempts === 3, 2_000, 'three attempts');
    await throttle.drain(1_000);
    expect(errors).toHaveLength(2);
    expect(throttle.counts.written).toBe(1);
    throttle.close();
  });

  it('caps the global rate with thousands of jobs asking for edits', async () => {
    const { writes, write } = recorder();
    const throttle = new StatusThrottle({ perChannelMs: 0, perSecond: 50, burst: 10, terminalAttempts: 3 }, () => undefined);
    const started = Date.now();
    for (let job = 0; job < 3_000; job++) throttle.push(`C${job % 200}:${job}`, `C${job % 200}`, false, write(`${job}`, 'x'));
    await new Promise((r) => setTimeout(r, 500));
    const elapsed = (Date.now() - started) / 1000;
    expect(writes.length).toBeLessThanOrEqual(10 + Math.ceil(50 * elapsed) + 1);
    expect(writes.length).toBeGreaterThan(10);
    expect(throttle.size).toBeGreaterThan(2_900);
    throttle.close();
  });
});
