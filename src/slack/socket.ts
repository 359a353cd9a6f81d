/**
 * The Socket Mode connection, kept up by the bot instead of by @slack/socket-mode 2's own
 * reconnect, which waits 5 s x attempts after every close (also after Slack's routine `disconnect`
 * refresh) and turns a failed apps.connections.open during a reconnect into an unhandled
 * rejection. Here a closed socket is reopened at once, then with a growing wait while opening
 * fails; `isConnected()` is true only between Slack's `hello` and the socket closing (/readyz).
 */
import type { SocketModeReceiver } from '@slack/bolt';
import type { Logger } from '../core/log.js';

type SocketModeClient = SocketModeReceiver['client'];

export interface SocketBackoff {
  /** Wait before the second attempt; doubles up to maxMs. The first attempt is immediate. */
  firstMs: number;
  maxMs: number;
  /** A socket that opened but got no `hello` in this long is closed and tried again. */
  helloMs: number;
}

export const DEFAULT_SOCKET_BACKOFF: SocketBackoff = { firstMs: 1_000, maxMs: 30_000, helloMs: 15_000 };

/** What Slack's `disconnect` reasons mean for the operator (the rest are routine). */
const DISABLED_SENTENCE =
  'Slack closed the Socket Mode connection because Socket Mode was turned off for this app (link_disabled). ' +
  'Turn it on again under "Socket Mode" in the app settings, or run in HTTP mode with SLACK_SIGNING_SECRET instead of SLACK_APP_TOKEN.';

type LinkState = 'idle' | 'opening' | 'open' | 'reopening' | 'closed';

export class SocketLink {
  private state: LinkState = 'idle';
  private lastReason = 'dropped';
  private downReason = '';
  private downSince = 0;
  private wait?: { timer: NodeJS.Timeout; resolve: () => void };

  constructor(
    private readonly client: SocketModeClient,
    private readonly log: Logger,
    private readonly backoff: SocketBackoff = DEFAULT_SOCKET_BACKOFF,
  ) {
    // Why Slack closed it, when it said so: a `disconnect` message comes just before the close.
    client.on('ws_message', (data: unknown) => {
      const reason = disconnectReason(data);
      if (reason) this.lastReason = reason;
    });
    client.on('disconnected', () => this.onClosed());
  }

  isConnected(): boolean {
    return this.state === 'open';
  }

  /** Why it is not connected, for /readyz. */
  problem(): string | undefined {
    if (this.state === 'open') return undefined;
    if (this.state !== 'reopening') return 'socket not open';
    return this.downReason === 'link_disabled' ? 'Socket Mode is off in the app settings' : 'socket down, reconnecting';
  }

  /** The first connection; rejects with Slack's reason (a wrong app token) so start-up says so. */
  async open(): Promise<void> {
    this.state = 'opening';
    try {
      await this.connectOnce();
    } catch (error) {
      if (this.state === 'opening') this.state = 'idle';
      throw error;
    }
    // Closed while it was opening: the new socket goes too.
    if ((this.state as LinkState) === 'closed') return void (await withinMs(this.client.disconnect(), 3_000));
    this.state = 'open';
    this.log.info('slack.socket_connected', {});
  }

  async close(): Promise<void> {
    const was = this.state;
    this.state = 'closed';
    if (this.wait) {
      clearTimeout(this.wait.timer);
      this.wait.resolve();
    }
    if (was !== 'idle') await withinMs(this.client.disconnect(), 3_000);
  }

  private onClosed(): void {
    if (this.state !== 'open') return;
    this.state = 'reopening';
    this.downSince = Date.now();
    const reason = this.lastReason;
    this.lastReason = 'dropped';
    this.downReason = reason;
    if (reason === 'link_disabled') this.log.error('slack.socket_disabled', { message: DISABLED_SENTENCE });
    else this.log.warn('slack.socket_closed', { reason });
    void this.reopen();
  }

  private async reopen(): Promise<void> {
    for (let attempt = 0; this.state === 'reopening'; attempt++) {
      if (attempt > 0) await this.sleep(Math.min(this.backoff.maxMs, this.backoff.firstMs * 2 ** (attempt - 1)));
      if (this.state !== 'reopening') return;
      try {
        await this.connectOnce();
      } catch (error) {
        this.log.warn('slack.socket_reopen_failed', { attempt: attempt + 1, error: describeSocketError(error) });
        continue;
      }
      if (this.state !== 'reopening') return void (await withinMs(this.client.disconnect(), 3_000));
      this.state = 'open';
      this.log.info('slack.socket_reconnected', { downMs: Date.now() - this.downSince, attempts: attempt + 1 });
    }
  }

  /** apps.connections.open, the socket, and Slack's `hello`, within helloMs. */
  private async connectOnce(): Promise<void> {
    const started = this.client.start();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.backoff.helloMs)));
    try {
      const outcome = await Promise.race([started, timedOut]);
      if (outcome === 'timeout') {
        started.catch(() => undefined);
        await withinMs(this.client.disconnect(), 3_000);
        throw new Error(`no hello from Slack within ${this.backoff.helloMs} ms`);
      }
    } catch (error) {
      throw error ?? new Error('the socket closed before Slack said hello');
    } finally {
      clearTimeout(timer);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wait = {
        timer: setTimeout(() => {
          this.wait = undefined;
          resolve();
        }, ms),
        resolve,
      };
    });
  }
}

function disconnectReason(data: unknown): string | undefined {
  if (!(data instanceof Buffer) && typeof data !== 'string') return undefined;
  const text = data.toString();
  if (!text.includes('"disconnect"')) return undefined;
  try {
    const message = JSON.parse(text) as { type?: unknown; reason?: unknown };
    return message.type === 'disconnect' && typeof message.reason === 'string' && /^[a-z_]{1,40}$/.test(message.reason) ? message.reason : undefined;
  } catch {
    return undefined;
  }
}

/** Slack's error code when it refused, else the error's message (never a URL: the ticket is in it). */
export function describeSocketError(error: unknown): string {
  const code = (error as { data?: { error?: unknown } } | undefined)?.data?.error;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/wss?:\/\/\S+/g, '<socket url>');
}

async function withinMs(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
