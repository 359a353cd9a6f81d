/**
 * The fake gateway: the real protocol over a WebSocket (JSON encoding, no compression), enough
 * for discord.js: HELLO, IDENTIFY -> READY then GUILD_CREATE per guild, heartbeats and their
 * ACKs, and dispatch of events with increasing sequence numbers.
 */
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export const MESSAGE_CONTENT_INTENT = 1 << 15;

export interface GatewaySession {
  socket: WebSocket;
  intents: number;
  identified: boolean;
  seq: number;
}

export interface GatewayOptions {
  server: Server;
  token: string;
  heartbeatIntervalMs: number;
  /** May the bot ask for the MESSAGE_CONTENT intent? Otherwise identify closes with 4014. */
  messageContentAllowed: () => boolean;
  ready: (session: GatewaySession) => { ready: unknown; guilds: unknown[] };
}

export class FakeGateway {
  readonly sessions = new Set<GatewaySession>();
  readonly received: { op: number; d: unknown }[] = [];
  private readonly wss: WebSocketServer;

  constructor(private readonly options: GatewayOptions) {
    this.wss = new WebSocketServer({ server: options.server, path: '/gateway' });
    this.wss.on('connection', (socket) => this.accept(socket));
  }

  /** Intents of the most recent identified session (0 before any). */
  get intents(): number {
    let intents = 0;
    for (const s of this.sessions) if (s.identified) intents = s.intents;
    return intents;
  }

  /** Sends an event to every identified session; resolves once written. */
  dispatch(t: string, d: unknown): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const session of this.sessions) {
      if (!session.identified) continue;
      writes.push(this.send(session, { op: 0, t, s: ++session.seq, d }));
    }
    return Promise.all(writes).then(() => undefined);
  }

  identifiedSessions(): number {
    return [...this.sessions].filter((s) => s.identified).length;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private send(session: GatewaySession, payload: unknown): Promise<void> {
    return new Promise((resolve) => session.socket.send(JSON.stringify(payload), () => resolve()));
  }

  private accept(socket: WebSocket): void {
    const session: GatewaySession = { socket, intents: 0, identified: false, seq: 0 };
    this.sessions.add(session);
    socket.on('close', () => this.sessions.delete(session));
    socket.on('error', () => this.sessions.delete(session));
    socket.on('message', (raw) => {
      let payload: { op: number; d: unknown };
      try {
        payload = JSON.parse(String(raw)) as { op: number; d: unknown };
      } catch {
        socket.close(4002, 'Decode error');
        return;
      }
      this.received.push(payload);
      switch (payload.op) {
        case 1:
          void this.send(session, { op: 11 });
          break;
        case 2: {
          const d = payload.d as { token?: string; intents?: number };
          if (d.token !== this.options.token) {
            socket.close(4004, 'Authentication failed.');
            return;
          }
          session.intents = d.intents ?? 0;
          if (session.intents & MESSAGE_CONTENT_INTENT && !this.options.messageContentAllowed()) {
            socket.close(4014, 'Disallowed intent(s).');
            return;
          }
          session.identified = true;
          const { ready, guilds } = this.options.ready(session);
          void this.send(session, { op: 0, t: 'READY', s: ++session.seq, d: ready });
          for (const guild of guilds) void this.send(session, { op: 0, t: 'GUILD_CREATE', s: ++session.seq, d: guild });
          break;
        }
        case 6:
          // No resume support: ask for a fresh identify.
          void this.send(session, { op: 9, d: false });
          break;
        default:
          break;
      }
    });
    void this.send(session, { op: 10, d: { heartbeat_interval: this.options.heartbeatIntervalMs } });
  }
}
