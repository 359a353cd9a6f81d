/**
 * Coalesced, throttled edits of status messages. The engine may ask for an edit per job every
 * few seconds; with thousands of jobs that is far above Discord's limits (about 5 edits per 5 s
 * per channel, 50 requests per second per bot). Only the latest body per message is kept, each
 * channel gets at most one edit per interval, the whole bot a bounded number per second, and
 * final states go first: a terminal view is the last one queued for its message, so it is the
 * one written.
 */
import type { Logger } from '../core/log.js';

export interface StatusEditorSettings {
  /** Least time between two edits in one channel. */
  channelIntervalMs: number;
  /** Most edits per second, all channels together. */
  perSecond: number;
  tickMs: number;
}

export const DEFAULT_STATUS_EDITS: StatusEditorSettings = { channelIntervalMs: 1_100, perSecond: 20, tickMs: 50 };

interface Pending {
  messageId: string;
  body: unknown;
  terminal: boolean;
  queuedAt: number;
}

interface ChannelQueue {
  pending: Map<string, Pending>;
  nextAt: number;
  busy: boolean;
}

export type EditFn = (channelId: string, messageId: string, body: unknown) => Promise<void>;

export class StatusEditor {
  private readonly channels = new Map<string, ChannelQueue>();
  private timer: NodeJS.Timeout | undefined;
  private tokens: number;
  private lastRefill = Date.now();
  private inFlight = new Set<Promise<void>>();
  readonly settings: StatusEditorSettings;

  constructor(
    private readonly edit: EditFn,
    private readonly log: Logger,
    settings: Partial<StatusEditorSettings> = {},
  ) {
    this.settings = { ...DEFAULT_STATUS_EDITS, ...settings };
    this.tokens = this.settings.perSecond;
  }

  /** Queues the latest body for a message; an older queued body for it is dropped. */
  queue(channelId: string, messageId: string, body: unknown, terminal: boolean): void {
    let channel = this.channels.get(channelId);
    if (!channel) this.channels.set(channelId, (channel = { pending: new Map(), nextAt: 0, busy: false }));
    const previous = channel.pending.get(messageId);
    channel.pending.set(messageId, { messageId, body, terminal: terminal || (previous?.terminal ?? false), queuedAt: previous?.queuedAt ?? Date.now() });
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), this.settings.tickMs);
      this.timer.unref();
    }
    this.tick();
  }

  pendingCount(): number {
    let n = 0;
    for (const c of this.channels.values()) n += c.pending.size;
    return n;
  }

  /** Writes what is queued (for shutdown), giving up after `ms`. */
  async flush(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while ((this.pendingCount() > 0 || this.inFlight.size > 0) && Date.now() < until) {
      this.tick();
      await new Promise((r) => setTimeout(r, Math.min(this.settings.tickMs, 20)));
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    const now = Date.now();
    this.tokens = Math.min(this.settings.perSecond, this.tokens + ((now - this.lastRefill) / 1000) * this.settings.perSecond);
    this.lastRefill = now;
    for (const [channelId, channel] of this.channels) {
      if (this.tokens < 1) break;
      if (channel.busy || channel.nextAt > now) continue;
      const next = pick(channel.pending);
      if (!next) {
        this.channels.delete(channelId);
        continue;
      }
      channel.pending.delete(next.messageId);
      channel.busy = true;
      channel.nextAt = now + this.settings.channelIntervalMs;
      this.tokens -= 1;
      // Round robin: a served channel goes to the back.
      this.channels.delete(channelId);
      this.channels.set(channelId, channel);
      const write = this.edit(channelId, next.messageId, next.body)
        .catch((error: unknown) => this.log.warn('discord.status_edit_failed', { channelId, messageId: next.messageId, error }))
        .finally(() => {
          channel.busy = false;
          this.inFlight.delete(write);
        });
      this.inFlight.add(write);
    }
    if (this.channels.size === 0 && this.inFlight.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/** Terminal views first, then the one waiting longest. */
function pick(pending: Map<string, Pending>): Pending | undefined {
  let best: Pending | undefined;
  for (const p of pending.values()) {
    if (!best || (p.terminal && !best.terminal) || (p.terminal === best.terminal && p.queuedAt < best.queuedAt)) best = p;
  }
  return best;
}
