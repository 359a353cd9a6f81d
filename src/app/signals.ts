/**
 * SIGTERM / SIGINT: the first starts a graceful shutdown and exits 0 when it is done (1 if it
 * failed or overran); a second signal exits at once with 130.
 *
 * A repeat within DUPLICATE_WINDOW_MS of the first is the same signal delivered twice, not an
 * impatient operator: Ctrl-C under `npm start` reaches the bot both from the terminal (the whole
 * process group) and forwarded by npm.
 */
export const DUPLICATE_WINDOW_MS = 100;

import type { Logger } from '../core/log.js';

export interface Stoppable {
  shutdown(reason: string): Promise<void>;
}

export interface SignalOptions {
  /** Hard limit for the whole shutdown; past it the process exits 1. */
  overdueMs: number;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

export function exitOnSignals(app: Stoppable, log: Logger, options: SignalOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      if (Date.now() - stoppingSince < DUPLICATE_WINDOW_MS) return;
      log.warn('shutdown.forced', { signal, exitCode: 130 });
      log.flush?.();
      exit(130);
      return;
    }
    stoppingSince = Date.now();
    log.info('shutdown.signal', { signal });
    const overdue = setTimeout(() => {
      log.error('shutdown.overdue', { ms: options.overdueMs });
      log.flush?.();
      exit(1);
    }, options.overdueMs);
    overdue.unref();
    app.shutdown(signal).then(
      () => {
        clearTimeout(overdue);
        log.flush?.();
        exit(0);
      },
      (error: unknown) => {
        clearTimeout(overdue);
        log.error('shutdown.failed', { error });
        log.flush?.();
        exit(1);
      },
    );
  };
  for (const signal of signals) process.on(signal, onSignal);
  return () => {
    for (const signal of signals) process.off(signal, onSignal);
  };
}
