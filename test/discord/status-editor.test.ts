/** The status editor keeps only the latest view per message, paces each channel, and writes final states first. */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/core/log.js';
import { StatusEditor } from '../../src/discord/status-editor.js';
import { eventually } from '../helpers/harness.js';

describe('StatusEditor', () => {
  it('coalesces edits of one message into the latest body', async () => {
    const writes: { channel: string; message: string; body: unknown; at: number }[] = [];
    const editor = new StatusEditor(async (channel, message, body) => void writes.push({ channel, message, body, at: Date.now() }), silentLogger, { channelIntervalMs: 200, perSecond: 100, tickMs: 5 });
    editor.queue('c1', 'm1', 'queued', false);
    for (let i = 0; i < 50; i++) editor.queue('c1', 'm1', `processing ${i}`, false);
    editor.queue('c1', 'm1', 'done', true);
    await eventually(() => editor.pendingCount() === 0 && writes.length >= 2, 2_000, 'the edits');
    await new Promise((r) => setTimeout(r, 300));
    expect(writes.map((w) => w.body)).toEqual(['queued', 'done']);
    expect(writes[1]!.at - writes[0]!.at).toBeGreaterThanOrEqual(190);
    editor.close();
  });

  it('paces each channel, serves channels in turn, and writes terminal views before progress', async () => {
    const writes: { channel: string; message: string; body: unknown }[] = [];
    const editor = new StatusEditor(async (channel, message, body) => void writes.push({ channel, message, body }), silentLogger, { channelIntervalMs: 1_000, perSecond: 1_000, tickMs: 5 });
    for (let i = 0; i < 20; i++) editor.queue('busy', `m${i}`, `progress ${i}`, false);
    editor.queue('busy', 'm-final', 'done', true);
    editor.queue('quiet', 'q1', 'progress', false);
    await eventually(() => writes.length >= 3, 3_000, 'three writes');
    // First tick: one edit for each channel; the next one in the busy channel is the terminal view.
    expect(writes.slice(0, 2).map((w) => w.channel).sort()).toEqual(['busy', 'quiet']);
    expect(writes[2]).toEqual({ channel: 'busy', message: 'm-final', body: 'done' });
    expect(writes.length).toBeLessThanOrEqual(3);
    editor.close();
  });

  it('bounds the edits per second over all channels, and a failed edit is only logged', async () => {
    let writes = 0;
    const editor = new StatusEditor(async () => {
      writes++;
      if (writes === 1) throw new Error('Discord said no');
    }, silentLogger, { channelIntervalMs: 0, perSecond: 20, tickMs: 5 });
    for (let i = 0; i < 60; i++) editor.queue(`c${i}`, 'm', 'x', false);
    await new Promise((r) => setTimeout(r, 500));
    // A full bucket (20) at once, then 20 per second.
    expect(writes).toBeGreaterThanOrEqual(25);
    expect(writes).toBeLessThanOrEqual(33);
    await editor.flush(5_000);
    expect(writes).toBe(60);
    editor.close();
  });
});
