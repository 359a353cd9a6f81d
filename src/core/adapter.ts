/**
 * What a platform adapter (src/discord, src/slack) offers main.ts: its port for the core, a start
 * that connects and begins taking commands, and the hooks for readiness and shutdown.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Claims } from './claims.js';
import type { Platform } from './jobs/job.js';
import type { PlatformPort } from './jobs/ports.js';
import type { JobStore } from './jobs/store.js';
import type { Logger } from './log.js';
import type { VideoService } from './service.js';

export interface AdapterContext {
  service: VideoService;
  log: Logger;
  /**
   * Where each incoming message, event, command, button or form is claimed before it is handled,
   * so it is handled once across instances and restarts (app.ts: the job store's). Without it an
   * adapter claims in its own memory, which holds for one process only.
   */
  claims?: Claims;
  /** Where instances share out gateway connections (Discord shards) by lease (app.ts: the job store). */
  leases?: Pick<JobStore, 'shared' | 'acquireLease' | 'acquireLeases' | 'releaseLease' | 'joinCapped' | 'leave' | 'members'>;
}

/** A gateway connection this instance holds (a Discord shard), for /readyz and /metrics. */
export interface HeldShard {
  id: number;
  /** How many shards the bot has in all. */
  count: number;
  connected: boolean;
}

/** Handles a request on the bot's one HTTP server; resolves true when it answered it. */
export type HttpRoute = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface PlatformAdapter {
  readonly platform: Platform;
  /** Given to the engine before start: the engine may resume jobs for this platform at once. */
  readonly port: PlatformPort;
  /** Connects and begins taking commands. Rejects with a clear reason (bad token, missing intent). */
  start(context: AdapterContext): Promise<void>;
  /** From now on, new commands get a short "restarting, try again in a minute" answer. */
  stopAccepting(): void;
  /** Disconnects. Called after the engine has stopped. */
  close(): Promise<void>;
  /** Connected to the platform: for /readyz. */
  isConnected(): boolean;
  /** The shards this instance holds, when the platform has shards (Discord). */
  shards?(): HeldShard[];
  /** Why it is not connected, in a few words, when it knows (never a secret). */
  problem?(): string | undefined;
  /** Paths this adapter serves on the bot's HTTP server (Slack's `/slack/events`), when it has any. */
  readonly httpRoute?: HttpRoute;
}
