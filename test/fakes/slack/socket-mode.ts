/**
 * Slack's Socket Mode on the fake (api.slack.com/apis/socket-mode and .../connections/socket-implement).
 * Long: the protocol, redelivery and the test's controls over both belong in one place.
 * `apps.connections.open`, called with the app-level token (xapp-), answers a one-use
 * `ws://127.0.0.1:…/link/?ticket=…` URL; the socket says `hello`, then carries envelopes
 * `{envelope_id, type: events_api | slash_commands | interactive, payload, accepts_response_payload,
 * retry_attempt, retry_reason}` that the app acknowledges with `{envelope_id, payload?}`. Payloads
 * are spread over the app's open sockets in turn, as Slack spreads them over its connections.
 * An events_api envelope whose ack did not come within the ack window, or whose socket closed
 * first, is delivered again (a new envelope_id, the same event_id, retry_attempt + 1, at most 3
 * retries) on whichever socket is open; slash commands and interactivity are not retried (the
 * person sees an error), as on Slack. A test can send `disconnect` (refresh_requested,
 * link_disabled, warning), drop a socket abruptly, lose acks and refuse new connections.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';

export type EnvelopeType = 'events_api' | 'slash_commands' | 'interactive';
export type DisconnectReason = 'refresh_requested' | 'link_disabled' | 'warning' | 'too_many_websockets';

export interface SocketConnection {
  id: number;
  openedAt: number;
  helloAt?: number;
  closedAt?: number;
  /** The close code the fake saw (1006: dropped without a close frame). */
  closeCode?: number;
  /** Messages the app sent that were not acks. */
  other: unknown[];
}

export interface Delivery {
  envelopeId: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  retryAttempt: number;
  retryReason: string;
  connection: number;
  at: number;
  /** What the app acknowledged with, once it did (and the fake did not lose it). */
  ack?: { payload?: unknown; at: number };
  outcome: 'pending' | 'acked' | 'retried' | 'expired';
}

export interface SocketModeSwitches {
  /** How long an envelope waits for its ack (Slack: 3 s). */
  ackTimeoutMs: number;
  /** Envelope ids whose acks are lost on the way (the app sent them; the fake ignores them). */
  loseAcks: Set<string>;
  /** Lose the ack of every envelope delivered from now on, until set back to false. */
  loseAllAcks: boolean;
  /** apps.connections.open answers `{ok:false, error}` while set. */
  openError?: string;
  /** apps.connections.open answers this HTTP status (a 503 during an outage) while set. */
  openStatus?: number;
  /** Delay before `hello`. */
  helloDelayMs: number;
}

export interface FakeSocketMode {
  readonly appToken: string;
  switches: SocketModeSwitches;
  /** apps.connections.open calls, with the Authorization each carried and whether it got a URL. */
  opens: { authorization?: string; ok: boolean; at: number }[];
  /** Every socket ever opened, oldest first. */
  connections: SocketConnection[];
  /** The sockets open now that have said hello. */
  live(): SocketConnection[];
  /** Resolves once at least `count` sockets are open (and have said hello). */
  waitForLive(count?: number, ms?: number): Promise<SocketConnection[]>;
  /** Every delivery attempt, oldest first (a redelivery is another entry). */
  deliveries: Delivery[];
  acks: { envelopeId: string; payload?: unknown; connection: number; at: number }[];
  /** Delivers an envelope on a live socket (`connection`, or the next in turn); waits for one when none is open. */
  send(type: EnvelopeType, payload: Record<string, unknown>, options?: { connection?: number }): Promise<Delivery>;
  /** An Events API callback wrapping `event` (its event_id kept across redeliveries). */
  event(event: Record<string, unknown>, options?: { eventId?: string; connection?: number }): Promise<Delivery>;
  /** A slash command, as Socket Mode carries it (the fields of the HTTP form, as JSON). */
  command(text: string, fields?: Record<string, string>, options?: { connection?: number }): Promise<Delivery>;
  /** A block_actions, shortcut or view_submission payload. */
  interactive(payload: Record<string, unknown>, options?: { connection?: number }): Promise<Delivery>;
  /** Resolves with a delivery's ack (or rejects after `ms`). */
  ackOf(delivery: Delivery, ms?: number): Promise<{ payload?: unknown; at: number }>;
  /** Sends `{type:'disconnect', reason}` on a socket (default: every live one); closes it after `closeAfterMs` if the app has not. */
  disconnect(reason: DisconnectReason, options?: { connection?: number; closeAfterMs?: number }): void;
  /** Drops a socket without a close frame (default: every open one), as a network failure does. */
  drop(connection?: number): void;
  /** apps.connections.open, for the fake's HTTP server. */
  openConnection(authorization: string | undefined): { status: number; body: Record<string, unknown> };
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close(): Promise<void>;
}

const MAX_RETRIES = 3;

export function createSocketMode(options: { appToken: string; botToken: string; teamId: string; origin: () => string; responseUrl: () => string }): FakeSocketMode {
  const { appToken } = options;
  const wss = new WebSocketServer({ noServer: true });
  const switches: SocketModeSwitches = { ackTimeoutMs: 3_000, loseAcks: new Set(), loseAllAcks: false, helloDelayMs: 0 };
  const opens: FakeSocketMode['opens'] = [];
  const connections: SocketConnection[] = [];
  const sockets = new Map<number, WebSocket>();
  const tickets = new Set<string>();
  const deliveries: Delivery[] = [];
  const acks: FakeSocketMode['acks'] = [];
  const timers = new Map<string, NodeJS.Timeout>();
  const waiting: (() => void)[] = [];
  let turn = 0;
  let closed = false;

  const live = () => connections.filter((c) => c.helloAt !== undefined && c.closedAt === undefined);
  const wake = () => {
    for (const resume of waiting.splice(0)) resume();
  };
  const nextLive = (): Promise<SocketConnection> => {
    const open = live();
    if (open.length > 0) return Promise.resolve(open[turn++ % open.length]!);
    return new Promise((resolve) => waiting.push(() => void nextLive().then(resolve)));
  };

  function deliver(delivery: Omit<Delivery, 'connection' | 'at' | 'outcome'>, connection: SocketConnection): Delivery {
    const entry: Delivery = { ...delivery, connection: connection.id, at: Date.now(), outcome: 'pending' };
    deliveries.push(entry);
    const acceptsResponse = entry.type === 'slash_commands' || entry.payload['type'] === 'view_submission' || entry.payload['type'] === 'block_suggestion';
    sockets.get(connection.id)!.send(
      JSON.stringify({
        envelope_id: entry.envelopeId,
        type: entry.type,
        payload: entry.payload,
        accepts_response_payload: acceptsResponse,
        ...(entry.type === 'events_api' ? { retry_attempt: entry.retryAttempt, retry_reason: entry.retryReason } : {}),
      }),
    );
    timers.set(entry.envelopeId, setTimeout(() => missed(entry, 'timeout'), switches.ackTimeoutMs));
    return entry;
  }

  /** No ack in time, or its socket closed first: events are delivered again, the rest expire. */
  function missed(entry: Delivery, reason: string): void {
    clearTimeout(timers.get(entry.envelopeId));
    timers.delete(entry.envelopeId);
    if (entry.outcome !== 'pending' || closed) return;
    if (entry.type !== 'events_api' || entry.retryAttempt >= MAX_RETRIES) {
      entry.outcome = 'expired';
      return;
    }
    entry.outcome = 'retried';
    void nextLive().then((connection) => {
      if (closed) return;
      deliver({ envelopeId: randomUUID(), type: entry.type, payload: entry.payload, retryAttempt: entry.retryAttempt + 1, retryReason: reason }, connection);
    });
  }

  function onMessage(connection: SocketConnection, data: Buffer): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(data.toString('utf8')) as typeof message;
    } catch {
      connection.other.push(data.toString('utf8'));
      return;
    }
    const id = typeof message.envelope_id === 'string' ? message.envelope_id : undefined;
    const entry = id ? deliveries.find((d) => d.envelopeId === id) : undefined;
    if (!id || !entry) return void connection.other.push(message);
    if (switches.loseAcks.has(id) || switches.loseAllAcks) return;
    const at = Date.now();
    acks.push({ envelopeId: id, ...(message.payload !== undefined ? { payload: message.payload } : {}), connection: connection.id, at });
    if (entry.outcome !== 'pending') return;
    clearTimeout(timers.get(id));
    timers.delete(id);
    entry.outcome = 'acked';
    entry.ack = { ...(message.payload !== undefined ? { payload: message.payload } : {}), at };
  }

  wss.on('connection', (ws: WebSocket) => {
    const connection: SocketConnection = { id: connections.length + 1, openedAt: Date.now(), other: [] };
    connections.push(connection);
    sockets.set(connection.id, ws);
    ws.on('message', (data: Buffer) => onMessage(connection, data));
    ws.on('error', () => undefined);
    ws.on('close', (code: number) => {
      clearTimeout(hello);
      connection.closedAt = Date.now();
      connection.closeCode = code;
      sockets.delete(connection.id);
      for (const entry of deliveries.filter((d) => d.connection === connection.id && d.outcome === 'pending')) missed(entry, 'connection_closed');
    });
    const hello = setTimeout(() => {
      if (ws.readyState !== ws.OPEN) return;
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: live().length + 1,
          debug_info: { host: `applink-fake-${connection.id}`, build_number: 1, approximate_connection_time: 18_060 },
          connection_info: { app_id: 'A1' },
        }),
      );
      connection.helloAt = Date.now();
      wake();
    }, switches.helloDelayMs);
  });

  const ofConnection = (id: number | undefined) => (id === undefined ? undefined : connections.find((c) => c.id === id));
  const on = (id: number | undefined): Promise<SocketConnection> => {
    const chosen = ofConnection(id);
    return chosen ? Promise.resolve(chosen) : nextLive();
  };

  const socketMode: FakeSocketMode = {
    appToken,
    switches,
    opens,
    connections,
    live,
    async waitForLive(count = 1, ms = 15_000) {
      const until = Date.now() + ms;
      while (live().length < count) {
        if (Date.now() > until) throw new Error(`${live().length} Socket Mode connections after ${ms} ms, wanted ${count}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return live();
    },
    deliveries,
    acks,
    async send(type, payload, sendOptions = {}) {
      const connection = await on(sendOptions.connection);
      return deliver({ envelopeId: randomUUID(), type, payload, retryAttempt: 0, retryReason: '' }, connection);
    },
    event(event, eventOptions = {}) {
      const payload = {
        token: 'legacy-verification-token',
        team_id: options.teamId,
        api_app_id: 'A1',
        type: 'event_callback',
        event_id: eventOptions.eventId ?? `Ev${randomUUID().replace(/-/g, '').slice(0, 12).toUpperCase()}`,
        event_time: Math.floor(Date.now() / 1000),
        event,
      };
      return socketMode.send('events_api', payload, eventOptions);
    },
    command(text, fields = {}, commandOptions = {}) {
      const payload = {
        token: 'legacy-verification-token',
        team_id: options.teamId,
        team_domain: 'fake',
        channel_id: 'C1',
        channel_name: 'general',
        user_id: 'U1',
        user_name: 'ann',
        command: '/video',
        text,
        api_app_id: 'A1',
        is_enterprise_install: 'false',
        response_url: options.responseUrl(),
        trigger_id: `trigger-${randomUUID()}`,
        ...fields,
      };
      return socketMode.send('slash_commands', payload, commandOptions);
    },
    interactive(payload, interactiveOptions = {}) {
      return socketMode.send('interactive', payload, interactiveOptions);
    },
    async ackOf(delivery, ms = 10_000) {
      const until = Date.now() + ms;
      while (!delivery.ack) {
        if (Date.now() > until) throw new Error(`no ack for ${delivery.type} envelope ${delivery.envelopeId} in ${ms} ms`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return delivery.ack;
    },
    disconnect(reason, disconnectOptions = {}) {
      const targets = disconnectOptions.connection === undefined ? live() : [ofConnection(disconnectOptions.connection)!];
      for (const connection of targets) {
        const ws = sockets.get(connection.id);
        if (!ws) continue;
        ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: `applink-fake-${connection.id}` } }));
        setTimeout(() => ws.terminate(), disconnectOptions.closeAfterMs ?? 10_000).unref();
      }
    },
    drop(connection) {
      for (const [id, ws] of sockets) if (connection === undefined || connection === id) ws.terminate();
    },
    openConnection(authorization) {
      const token = authorization?.replace(/^Bearer /, '');
      let answer: Record<string, unknown>;
      if (switches.openStatus) answer = { ok: false, error: 'service_unavailable' };
      else if (token === appToken && !switches.openError) {
        const ticket = randomUUID();
        tickets.add(ticket);
        answer = { ok: true, url: `${options.origin().replace(/^http/, 'ws')}/link/?ticket=${ticket}&app_id=A1` };
      } else if (token === appToken) answer = { ok: false, error: switches.openError };
      else if (token === options.botToken) answer = { ok: false, error: 'not_allowed_token_type' };
      else answer = { ok: false, error: token ? 'invalid_auth' : 'not_authed' };
      opens.push({ ...(authorization ? { authorization } : {}), ok: answer['ok'] === true, at: Date.now() });
      return { status: switches.openStatus ?? 200, body: answer };
    },
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'ws://fake');
      if (url.pathname !== '/link/') return false;
      const ticket = url.searchParams.get('ticket') ?? '';
      // A URL is good for one connection.
      if (closed || !tickets.delete(ticket)) {
        socket.end('HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        return true;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
      return true;
    },
    async close() {
      closed = true;
      for (const timer of timers.values()) clearTimeout(timer);
      for (const ws of sockets.values()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
  return socketMode;
}
