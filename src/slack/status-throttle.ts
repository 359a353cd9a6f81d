/**
 * Status edits, throttled. Slack allows about one post per second per channel (and chat.update is
 * a Tier 3 method, some 50 calls a minute per workspace), while the engine may ask for an edit
 * per job every 10 s with thousands of jobs. So edits are queued per message and coalesced: only
 * the latest view of a message is kept, one write per channel is under way at a time, channels
 * are spaced by `perChannelMs`, and a global token bucket caps the rate. Terminal views go first
 * and are never replaced by a later non-terminal one; a failed terminal write is tried again.
 */
export interface ThrottleSettings {
  /** Least time between two writes in one channel. */
  perChannelMs: number;
  /** Global writes per second (token bucket refill). */
  perSecond: number;
  /** Global burst (token bucket size). */
  burst: number;
  /** Attempts for a terminal write before it is given up. */
  terminalAttempts: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = { perChannelMs: 1_000, perSecond: 0.9, burst: 20, terminalAttempts: 3 };

interface Entry {
  channel: string;
  terminal: boolean;
  write: () => Promise<void>;
  attempts: number;
}

export class StatusThrottle {
  private readonly pending = new Map<string, Entry>();
  private readonly busy = new Set<string>();
  private readonly nextAt = new Map<string, number>();
  private tokens: number;
  private refilledAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: (() => void)[] = [];
  /** Writes done, and edits dropped because a newer view replaced them (for tests and metrics). */
  readonly counts = { written: 0, coalesced: 0, failed: 0 };

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly onError: (error: unknown, terminal: boolean) => void,
  ) {
    this.tokens = settings.burst;
  }

  /** Queues the latest view of one message; `key` names the message (channel:ts). */
  push(key: string, channel: string, terminal: boolean, write: () => Promise<void>): void {
    const queued = this.pending.get(key);
    if (queued) {
      if (queued.terminal && !terminal) return;
      this.counts.coalesced++;
      queued.terminal = terminal;
      queued.write = write;
      queued.attempts = 0;
    } else {
      this.pending.set(key, { channel, terminal, write, attempts: 0 });
    }
    this.pump();
  }

  get size(): number {
    return this.pending.size;
  }

  /** Resolves when nothing is queued or under way, or after `ms`. */
  async drain(ms: number): Promise<void> {
    if (this.pending.size === 0 && this.busy.size === 0) return;
    await Promise.race([new Promise<void>((resolve) => this.idleWaiters.push(resolve)), new Promise((r) => setTimeout(r, ms).unref())]);
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }

  private refill(now: number): void {
    const gained = ((now - this.refilledAt) / 1000) * this.settings.perSecond;
    this.tokens = Math.min(this.settings.burst, this.tokens + gained);
    this.refilledAt = now;
  }

  private pump(): void {
    const now = Date.now();
    this.refill(now);
    // Out of tokens (the usual case under load): nothing can go, so skip the scan.
    if (this.tokens < 1 && this.pending.size > 0) {
      if (!this.timer) this.wake(now + Math.ceil(((1 - this.tokens) / this.settings.perSecond) * 1000));
      return;
    }
    let wakeAt = Infinity;
    for (const terminalPass of [true, false]) {
      for (const [key, entry] of this.pending) {
        if (entry.terminal !== terminalPass) continue;
        if (this.busy.has(entry.channel)) continue;
        const at = this.nextAt.get(entry.channel) ?? 0;
        if (at > now) {
          wakeAt = Math.min(wakeAt, at);
          continue;
        }
        if (this.tokens < 1) {
          wakeAt = Math.min(wakeAt, now + Math.ceil(((1 - this.tokens) / this.settings.perSecond) * 1000));
          break;
        }
        this.tokens -= 1;
        this.pending.delete(key);
        this.run(key, entry);
      }
    }
    this.wake(wakeAt);
    if (this.pending.size === 0 && this.busy.size === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private run(key: string, entry: Entry): void {
    this.busy.add(entry.channel);
    entry.attempts++;
    entry
      .write()
      .then(
        () => {
          this.counts.written++;
        },
        (error: unknown) => {
          this.counts.failed++;
          this.onError(error, entry.terminal);
          // A terminal view must land: try again unless a newer view took its place.
          if (entry.terminal && entry.attempts < this.settings.terminalAttempts && !this.pending.has(key)) this.pending.set(key, entry);
        },
      )
      .finally(() => {
        this.busy.delete(entry.channel);
        this.nextAt.set(entry.channel, Date.now() + this.settings.perChannelMs);
        if (this.nextAt.size > 10_000) this.forgetIdleChannels();
        this.pump();
      });
  }

  private wake(at: number): void {
    if (!Number.isFinite(at)) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(1, at - Date.now()));
    this.timer.unref();
  }

  private forgetIdleChannels(): void {
    const now = Date.now();
    for (const [channel, at] of this.nextAt) if (at < now && !this.busy.has(channel)) this.nextAt.delete(channel);
  }
}
