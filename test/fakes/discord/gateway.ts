/**
 * The fake gateway: the real protocol over a WebSocket (JSON encoding, no compression), enough
 * for discord.js: HELLO, IDENTIFY -> READY then GUILD_CREATE per guild, heartbeats and their
 * ACKs, and dispatch of events with increasing sequence numbers.
 *
 * Sharding as Discord does it: IDENTIFY may carry `shard: [id, count]`; a session gets the guilds
 * with `(guild_id >> 22) % count === id` and only their events (events without a guild go to
 * shard 0). An invalid pair closes with 4010; a session that would hold more guilds than allowed
 * closes with 4011 (sharding required). Identifies are recorded with their time, and those that
 * break `max_concurrency` (two in one bucket, `shard_id % max_concurrency`, within the window)
 * are counted.
 */
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

export const MESSAGE_CONTENT_INTENT = 1 << 15;

export interface GatewaySession {
  socket: WebSocket;
  intents: number;
  identified: boolean;
  seq: number;
  /** `[shard_id, num_shards]` from IDENTIFY; absent means one session for every guild. */
  shard?: [number, number];
}

/** Which shard of `count` a guild's events go to (Discord's formula). */
export function shardOfGuild(guildId: string, count: number): number {
  return Number((BigInt(guildId) >> 22n) % BigInt(count));
}

const covers = (shard: [number, number] | undefined, guildId: string | undefined): boolean => {
  if (!shard) return true;
  return guildId === undefined ? shard[0] === 0 : shardOfGuild(guildId, shard[1]) === shard[0];
};

export interface GatewayOptions {
  server: Server;
  token: string;
  heartbeatIntervalMs: number;
  /** May the bot ask for the MESSAGE_CONTENT intent? Otherwise identify closes with 4014. */
  messageContentAllowed: () => boolean;
  /** How many guilds a session with this shard pair would hold (for 4011). */
  guildsFor: (shard: [number, number] | undefined) => number;
  /** More guilds than this in one session closes it with 4011 (Discord: 2,500). */
  maxGuildsPerSession: () => number;
  /** `session_start_limit.max_concurrency`, and the window of one identify per bucket (Discord: 5 s). */
  maxConcurrency: () => number;
  identifyWindowMs: number;
  ready: (session: GatewaySession) => { ready: unknown; guilds: unknown[] };
}

export class FakeGateway {
  readonly sessions = new Set<GatewaySession>();
  readonly received: { op: number; d: unknown }[] = [];
  /** Every accepted IDENTIFY: its shard pair and when it came. */
  readonly identifies: { shard?: [number, number]; at: number }[] = [];
  /** IDENTIFYs that came sooner than the window after another one in the same bucket. */
  identifiesTooSoon = 0;
  /** IDENTIFYs for a shard pair that another open session already held. */
  shardsHeldTwice = 0;
  /** Closes the gateway sent, by code (4004, 4010, 4011, 4014...). */
  readonly closes: { code: number; shard?: [number, number]; at: number }[] = [];
  private readonly wss: WebSocketServer;
  private tokenRevoked = false;

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

  /** Sends an event to every identified session that holds its guild; resolves once written. */
  dispatch(t: string, d: unknown): Promise<void> {
    const writes: Promise<void>[] = [];
    const guildId = (d as { guild_id?: unknown } | null)?.guild_id;
    for (const session of this.sessions) {
      if (!session.identified || !covers(session.shard, typeof guildId === 'string' ? guildId : undefined)) continue;
      writes.push(this.send(session, { op: 0, t, s: ++session.seq, d }));
    }
    return Promise.all(writes).then(() => undefined);
  }

  identifiedSessions(): number {
    return [...this.sessions].filter((s) => s.identified).length;
  }

  /** The shard ids of the identified sessions, one entry per session (a shard held twice shows twice). */
  connectedShards(): number[] {
    return [...this.sessions].filter((s) => s.identified).map((s) => s.shard?.[0] ?? 0).sort((a, b) => a - b);
  }

  /** The bot's token stops working (reset in the Developer Portal): every later IDENTIFY gets 4004. */
  revokeToken(): void {
    this.tokenRevoked = true;
  }

  /** Closes every session with `code` (4000, unknown error: the bot reconnects and resumes or identifies again). */
  dropSessions(code = 4000): void {
    for (const s of this.sessions) s.socket.close(code, 'Unknown error.');
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private recordIdentify(shard: [number, number] | undefined): void {
    const at = Date.now();
    const concurrency = this.options.maxConcurrency();
    const bucket = (shard?.[0] ?? 0) % concurrency;
    if (this.identifies.some((i) => (i.shard?.[0] ?? 0) % concurrency === bucket && at - i.at < this.options.identifyWindowMs)) this.identifiesTooSoon++;
    this.identifies.push({ ...(shard ? { shard } : {}), at });
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
          const d = payload.d as { token?: string; intents?: number; shard?: unknown };
          const refuse = (code: number, reason: string) => {
            this.closes.push({ code, ...(session.shard ? { shard: session.shard } : {}), at: Date.now() });
            socket.close(code, reason);
          };
          if (d.token !== this.options.token || this.tokenRevoked) return refuse(4004, 'Authentication failed.');
          if (d.shard !== undefined) {
            const pair = d.shard as number[];
            const valid = Array.isArray(pair) && pair.length === 2 && pair.every(Number.isInteger) && pair[1]! >= 1 && pair[0]! >= 0 && pair[0]! < pair[1]!;
            if (!valid) return refuse(4010, 'Invalid shard.');
            session.shard = [pair[0]!, pair[1]!];
          }
          session.intents = d.intents ?? 0;
          if (session.intents & MESSAGE_CONTENT_INTENT && !this.options.messageContentAllowed()) return refuse(4014, 'Disallowed intent(s).');
          if (this.options.guildsFor(session.shard) > this.options.maxGuildsPerSession()) return refuse(4011, 'Sharding required.');
          this.recordIdentify(session.shard);
          const pair = session.shard;
          if (pair && [...this.sessions].some((s) => s.identified && s.shard?.[0] === pair[0] && s.shard[1] === pair[1])) this.shardsHeldTwice++;
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
