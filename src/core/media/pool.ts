/** A bounded number of conversions at once, each with a time limit; the rest wait their turn. */
export class ConversionPool {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly concurrency: number,
    readonly timeoutMs: number,
  ) {}

  get active(): number {
    return this.running;
  }

  /** Runs `work` once a place is free; its signal aborts after `timeoutMs` or when `signal` does. */
  async run<T>(work: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    await this.acquire(signal);
    const limit = AbortSignal.timeout(this.timeoutMs);
    try {
      return await work(signal ? AbortSignal.any([limit, signal]) : limit);
    } catch (error) {
      // FFmpeg stopped mid-file reports its own error ("exit requested"); the cause is the limit.
      throw limit.aborted ? limit.reason : error;
    } finally {
      this.release();
    }
  }

  private acquire(signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted();
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const turn = () => {
        signal?.removeEventListener('abort', cancel);
        this.running++;
        resolve();
      };
      const cancel = () => {
        const at = this.waiting.indexOf(turn);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      signal?.addEventListener('abort', cancel, { once: true });
      this.waiting.push(turn);
    });
  }

  private release(): void {
    this.running--;
    this.waiting.shift()?.();
  }
}
