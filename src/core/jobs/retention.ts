/**
 * Retention: finished jobs are kept for JOB_RETENTION_DAYS, then removed with their indexes.
 * Redis does it by itself (every key it is given carries an expiry); the SQLite file is pruned
 * here, at start-up and then every hour, in bounded batches with the event loop let go between
 * them, so a backlog (a first start on an old file) never holds up commands.
 */
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { JobStore } from './store.js';

export interface PruneSettings {
  /** Time between runs; default one hour. */
  everyMs?: number;
  /** Jobs removed per batch; default 500. */
  batch?: number;
  /** Batches per run at most; the rest waits for the next run. Default 200 (100,000 jobs). */
  maxBatches?: number;
  /** Told after a run that removed something, and about a run that failed. */
  onRun?: (removed: number) => void;
  onError?: (error: unknown) => void;
}

export interface Pruner {
  /** The run under way, if any (tests await it). */
  readonly running: Promise<void> | undefined;
  /** Stops the timer and waits for a run under way to finish its batch. */
  stop(): Promise<void>;
}

/** Prunes once now and then every `everyMs`, until stopped. */
export function startPruning(store: JobStore, settings: PruneSettings = {}): Pruner {
  const batch = settings.batch ?? 500;
  const maxBatches = settings.maxBatches ?? 200;
  let stopped = false;
  let running: Promise<void> | undefined;

  async function run(): Promise<void> {
    let removed = 0;
    try {
      for (let i = 0; i < maxBatches && !stopped; i++) {
        const count = await store.prune(batch);
        removed += count;
        if (count < batch) break;
        await yieldToLoop();
      }
      if (removed > 0) settings.onRun?.(removed);
    } catch (error) {
      settings.onError?.(error);
    }
  }

  const tick = () => {
    if (stopped || running) return;
    running = run().finally(() => (running = undefined));
  };
  const timer = setInterval(tick, settings.everyMs ?? 3_600_000);
  timer.unref();
  tick();

  return {
    get running() {
      return running;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
