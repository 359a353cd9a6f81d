/** exitOnSignals, driven by emitted signal events (the real-process test sends real ones). */
import { afterEach, describe, expect, it } from 'vitest';
import { DUPLICATE_WINDOW_MS, exitOnSignals } from '../../src/app/signals.js';
import { captureLog } from './helpers.js';

let undo: (() => void) | undefined;
afterEach(() => undo?.());

const emit = () => process.emit('SIGUSR2', 'SIGUSR2');

function setUp(shutdown: () => Promise<void>) {
  const exits: number[] = [];
  const captured = captureLog();
  undo = exitOnSignals({ shutdown }, captured.log, { overdueMs: 1_000, exit: (code) => exits.push(code), signals: ['SIGUSR2'] });
  return { exits, captured };
}

describe('exitOnSignals', () => {
  it('exits 0 once the graceful shutdown is done', async () => {
    let finish!: () => void;
    const { exits } = setUp(() => new Promise<void>((resolve) => (finish = resolve)));
    emit();
    await new Promise((r) => setTimeout(r, 20));
    expect(exits).toEqual([]);
    finish();
    await new Promise((r) => setTimeout(r, 0));
    expect(exits).toEqual([0]);
  });

  it('takes the same signal delivered twice at once as one, and a later second signal as "exit now" (130)', async () => {
    const { exits, captured } = setUp(() => new Promise<void>(() => undefined));
    emit();
    emit(); // the terminal's Ctrl-C and npm's forwarded copy
    expect(exits).toEqual([]);
    await new Promise((r) => setTimeout(r, DUPLICATE_WINDOW_MS + 20));
    emit();
    expect(exits).toEqual([130]);
    expect(captured.lines().map((l) => l['event'])).toEqual(['shutdown.signal', 'shutdown.forced']);
  });

  it('exits 1 when the shutdown fails or overruns', async () => {
    const failing = setUp(() => Promise.reject(new Error('store would not close')));
    emit();
    await new Promise((r) => setTimeout(r, 10));
    expect(failing.exits).toEqual([1]);
    undo?.();
    const hanging = setUp(() => new Promise<void>(() => undefined));
    emit();
    await new Promise((r) => setTimeout(r, 1_100));
    expect(hanging.exits).toEqual([1]);
    expect(hanging.captured.lines().map((l) => l['event'])).toContain('shutdown.overdue');
  });
});
