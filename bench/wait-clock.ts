/**
 * Fake time for the 10-minute run of bench/engine-load.ts: the engine's clock (`settings.now`)
 * runs `scale` times faster while the bench waits for the completion window, so a job's ten
 * minutes at Oxen pass in one, with every listing, progress edit and deadline check falling due
 * as it would in ten real minutes; from the window on it runs at the real rate again, so the
 * completions meet the same cadence of listings and ticks as in production (and in the other run).
 * The engine's timers (tick, lease renewal) stay real: they only look at the clock.
 */
export class WaitClock {
  private skew = 0;
  private fastSince: number | undefined;

  constructor(private readonly scale: number) {}

  readonly now = (): number => {
    const real = Date.now();
    return real + this.skew + (this.fastSince === undefined ? 0 : (real - this.fastSince) * (this.scale - 1));
  };

  fast(): void {
    this.fastSince ??= Date.now();
  }

  real(): void {
    if (this.fastSince === undefined) return;
    this.skew += (Date.now() - this.fastSince) * (this.scale - 1);
    this.fastSince = undefined;
  }
}
