/**
 * /slack/events on the bot's HTTP server, in front of Bolt's own HTTPReceiver (which checks the
 * signature and the 5-minute replay window). Before Bolt sees a request: the body is read with a
 * size limit (an unsigned 400 MB POST is refused after 1 MB, not buffered whole), and a request
 * that arrives while the adapter is still starting is held until it is ready (Slack does not
 * retry slash commands, so a 503 during a restart would lose them).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HTTPReceiver } from '@slack/bolt';
import type { HttpRoute } from '../core/adapter.js';
import type { Logger } from '../core/log.js';
import { BodyTooLargeError, MAX_BODY_BYTES, readBody, refuseTooLarge } from '../server/body.js';

/** The path Slack posts to in HTTP mode (request URLs in manifest.yml). */
export const SLACK_EVENTS_PATH = '/slack/events';

/** Slack's replay window for request timestamps. */
const REPLAY_WINDOW_S = 5 * 60;

/**
 * How long a request that came in during start-up waits for the adapter. Slack gives 3 s for the
 * acknowledgement; after this, 503 (events are retried by Slack, commands show "not responding").
 */
export const HOLD_WHILE_STARTING_MS = 2_500;

export interface ReceiverGate {
  /** 'starting' holds requests, 'closed' refuses them at once. */
  state(): 'starting' | 'ready' | 'closed';
  /** Resolves true once ready, false if it closed or the wait passed `ms`. */
  whenReady(ms: number): Promise<boolean>;
}

/** Starting until open(), then ready until close(). */
export class StartGate implements ReceiverGate {
  private current: 'starting' | 'ready' | 'closed' = 'starting';
  private readonly waiting = new Set<(ready: boolean) => void>();

  state() {
    return this.current;
  }

  open(): void {
    this.settle('ready');
  }

  close(): void {
    this.settle('closed');
  }

  whenReady(ms: number): Promise<boolean> {
    if (this.current !== 'starting') return Promise.resolve(this.current === 'ready');
    return new Promise((resolve) => {
      const done = (ready: boolean) => {
        clearTimeout(timer);
        this.waiting.delete(done);
        resolve(ready);
      };
      const timer = setTimeout(() => done(false), ms);
      this.waiting.add(done);
    });
  }

  private settle(state: 'ready' | 'closed'): void {
    this.current = state;
    for (const done of [...this.waiting]) done(state === 'ready');
  }
}

export interface SlackRouteOptions {
  receiver: HTTPReceiver;
  gate: ReceiverGate;
  log: Logger;
  maxBodyBytes?: number;
  holdMs?: number;
}

export function slackEventsRoute(options: SlackRouteOptions): HttpRoute {
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== SLACK_EVENTS_PATH) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    let body: Buffer;
    try {
      body = await readBody(req, limit);
    } catch (error) {
      if (error instanceof BodyTooLargeError) {
        options.log.warn('slack.request_too_large', { limit, declared: req.headers['content-length'] ?? 'chunked' });
        refuseTooLarge(req, res, limit);
      } else res.destroy();
      return true;
    }
    const state = options.gate.state();
    if (state === 'closed' || (state === 'starting' && !(await options.gate.whenReady(options.holdMs ?? HOLD_WHILE_STARTING_MS)))) {
      res.writeHead(503).end();
      return true;
    }
    // Bolt refuses timestamps over 5 minutes old; Slack's rule is 5 minutes either way, so one
    // from the future is refused here too.
    const stamp = Number(req.headers['x-slack-request-timestamp']);
    if (Number.isFinite(stamp) && stamp - Date.now() / 1000 > REPLAY_WINDOW_S) {
      res.writeHead(401).end();
      return true;
    }
    // Bolt reads a body already buffered on `rawBody` instead of the stream (bufferIncomingMessage).
    (req as IncomingMessage & { rawBody?: Buffer }).rawBody = body;
    options.receiver.requestListener(req, res);
    return true;
  };
}
