/**
 * A cap on the bytes being downloaded at once, across every request of this process. Each
 * download first reserves what it may read (the size the platform declares, else the per-file
 * cap); beyond the cap, downloads wait their turn in arrival order rather than fail.
 */
import { MB } from './limits.js';

/** 256 MB: five of the largest possible files at once, or hundreds of ordinary pictures. */
export const DEFAULT_DOWNLOAD_CAP_BYTES = 256 * MB;

interface Waiter {
  bytes: number;
  grant: () => void;
}

export class DownloadGate {
  private used = 0;
  private readonly waiting: Waiter[] = [];

  constructor(readonly capacityBytes: number = DEFAULT_DOWNLOAD_CAP_BYTES) {}

  /** Bytes reserved by downloads under way. */
  get inUseBytes(): number {
    return this.used;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Waits until `bytes` fit under the cap (a single file larger than the cap waits until nothing
   * else is downloading), then reserves them. Resolves to the release, to call exactly once.
   * Rejects with the signal's reason if it aborts while waiting.
   */
  acquire(bytes: number, signal?: AbortSignal): Promise<() => void> {
    const amount = Math.min(Math.max(0, bytes), this.capacityBytes);
    signal?.throwIfAborted();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        bytes: amount,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          this.used += amount;
          let released = false;
          resolve(() => {
            if (released) return;
            released = true;
            this.used -= amount;
            this.wake();
          });
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal?.reason);
        this.wake();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
      this.wake();
    });
  }

  /** Grants waiters in arrival order while the first one fits (no overtaking, so none starves). */
  private wake(): void {
    for (let first = this.waiting[0]; first && this.used + first.bytes <= this.capacityBytes; first = this.waiting[0]) {
      this.waiting.shift();
      first.grant();
    }
  }
}

/** The one gate every request of this process shares. */
export const sharedDownloadGate = new DownloadGate();
