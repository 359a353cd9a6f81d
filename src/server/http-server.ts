/**
 * The bot's one HTTP server on PORT: /healthz, /readyz, /metrics, the self-hosted reference files
 * and the adapters' routes (Slack's /slack/events). Unknown paths get 404. Answers never carry
 * secrets: readiness names what is failing, errors are a fixed sentence, details go to the log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HttpRoute } from '../core/adapter.js';
import type { Logger } from '../core/log.js';
import { declaredTooLarge, MAX_BODY_BYTES, refuseTooLarge } from './body.js';
import type { Readiness } from './readiness.js';

/** How long a client may take: slow senders (slowloris) are cut off, not held for ever. */
export interface ServerTimeouts {
  /** Until the request's headers are complete. */
  headersMs: number;
  /** Until the whole request, body included, is in. */
  requestMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveMs: number;
  /** How often Node looks for requests over those limits. */
  checkEveryMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 20_000, keepAliveMs: 5_000, checkEveryMs: 2_000 };

export interface BotServerDeps {
  log: Logger;
  readiness(): Promise<Readiness>;
  metrics: { render(): Promise<string>; contentType: string };
  /** SelfReferenceHost.handle, when references are self-hosted. */
  references?: HttpRoute;
  /** The adapters' routes, tried in order. */
  routes: readonly HttpRoute[];
  /** Bodies over this are refused with 413 (default MAX_BODY_BYTES); routes read with the same limit. */
  maxBodyBytes?: number;
  timeouts?: Partial<ServerTimeouts>;
}

export interface BotServer {
  /** Listens; resolves with the port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /**
   * Shutdown has begun: /readyz answers 503 so load balancers stop sending traffic, every answer
   * closes its connection, idle keep-alive connections are closed. Health, metrics, reference
   * files and the adapters' routes still answer (the adapters say "restarting, try again").
   */
  drain(): void;
  /** Stops listening and closes every connection (after `graceMs` for requests under way). */
  close(graceMs?: number): Promise<void>;
  readonly server: Server;
}

export function createBotServer(deps: BotServerDeps): BotServer {
  let draining = false;
  const maxBodyBytes = deps.maxBodyBytes ?? MAX_BODY_BYTES;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...deps.timeouts };
  const log = deps.log.child({ component: 'http' });

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (draining) res.setHeader('connection', 'close');
    if (declaredTooLarge(req, maxBodyBytes)) return refuseTooLarge(req, res, maxBodyBytes);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/healthz' || path === '/readyz' || path === '/metrics') {
      if (!read) return json(res, 405, { error: 'method not allowed' }, { allow: 'GET, HEAD' });
      if (path === '/healthz') return json(res, 200, { status: 'ok' });
      if (path === '/readyz') {
        const readiness = await deps.readiness();
        const failing = Object.entries(readiness.checks).filter(([, c]) => !c.ok).map(([name]) => name);
        const shards = readiness.shards ? { shards: readiness.shards } : {};
        return json(res, readiness.ready ? 200 : 503, { status: readiness.ready ? 'ready' : 'not_ready', ...(failing.length > 0 ? { failing } : {}), checks: readiness.checks, ...shards });
      }
      const text = await deps.metrics.render();
      res.writeHead(200, { 'content-type': deps.metrics.contentType, 'cache-control': 'no-store' });
      res.end(text);
      return;
    }
    if (deps.references && (await deps.references(req, res))) return;
    for (const route of deps.routes) if (await route(req, res)) return;
    json(res, 404, { error: 'not found' });
  }

  const server = createServer({ connectionsCheckingInterval: timeouts.checkEveryMs }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error('http.error', { method: req.method, path: (req.url ?? '').split('?')[0], error });
      if (!res.headersSent) json(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.headersTimeout = timeouts.headersMs;
  server.requestTimeout = timeouts.requestMs;
  server.keepAliveTimeout = timeouts.keepAliveMs;

  return {
    server,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    },
    drain() {
      draining = true;
      server.closeIdleConnections();
    },
    async close(graceMs = 2_000) {
      if (!server.listening) return;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
    },
  };
}
