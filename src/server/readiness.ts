/**
 * What /readyz checks: the store answers, every platform is connected, the Oxen completion
 * stream is up, and the bot is not starting or shutting down. Each check is named in the answer.
 */
import type { PlatformAdapter } from '../core/adapter.js';
import type { JobStore } from '../core/jobs/store.js';

export interface ReadinessCheck {
  ok: boolean;
  /** Why not, in a few words (never a secret: no URLs, no error text from the outside). */
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, ReadinessCheck>;
  /** The gateway shards this instance holds, by platform (Discord), and whether each is connected. */
  shards?: Record<string, { count: number; held: { id: number; connected: boolean }[] }>;
}

export interface ReadinessSources {
  lifecycle(): 'starting' | 'running' | 'stopping';
  store: Pick<JobStore, 'ping'>;
  adapters: readonly Pick<PlatformAdapter, 'platform' | 'isConnected' | 'shards' | 'problem'>[];
  streamConnected(): boolean;
  /** A store that does not answer within this is not ready. Default 1 s. */
  pingTimeoutMs?: number;
}

export async function checkReadiness(sources: ReadinessSources): Promise<Readiness> {
  const checks: Record<string, ReadinessCheck> = {};
  const lifecycle = sources.lifecycle();
  checks['lifecycle'] = lifecycle === 'running' ? { ok: true } : { ok: false, detail: lifecycle === 'starting' ? 'starting' : 'shutting down' };
  checks['store'] = (await pingWithin(sources.store, sources.pingTimeoutMs ?? 1_000)) ? { ok: true } : { ok: false, detail: 'not reachable' };
  const shards: NonNullable<Readiness['shards']> = {};
  for (const adapter of sources.adapters) {
    checks[adapter.platform] = safely(() => adapter.isConnected()) ? { ok: true } : { ok: false, detail: adapter.problem?.() ?? 'not connected' };
    const held = adapter.shards?.() ?? [];
    if (adapter.shards && held.length > 0) shards[adapter.platform] = { count: held[0]!.count, held: held.map(({ id, connected }) => ({ id, connected })) };
    else if (adapter.shards) shards[adapter.platform] = { count: 0, held: [] };
  }
  checks['oxen_stream'] = sources.streamConnected() ? { ok: true } : { ok: false, detail: 'event stream down' };
  return { ready: Object.values(checks).every((c) => c.ok), checks, ...(Object.keys(shards).length > 0 ? { shards } : {}) };
}

async function pingWithin(store: Pick<JobStore, 'ping'>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([store.ping().catch(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function safely(check: () => boolean): boolean {
  try {
    return check();
  } catch {
    return false;
  }
}
