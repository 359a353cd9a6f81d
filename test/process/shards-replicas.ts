/**
 * Bot processes for the shard tests: test/process/shards-process.ts (the app with shortened shard
 * lease timings) started through replicas.ts, and what the tests ask of each: /readyz, /metrics.
 */
import { fileURLToPath } from 'node:url';
import { startReplica, type Replica } from './replicas.js';

const ENTRY = fileURLToPath(new URL('./shards-process.ts', import.meta.url));

export const startShardReplica = (name: string, env: Record<string, string>, readyMs = 60_000): Promise<Replica> => startReplica(name, env, readyMs, ENTRY);

export interface ReadyAnswer {
  status: number;
  body: { status: string; checks: Record<string, { ok: boolean; detail?: string }>; shards?: { discord?: { count: number; held: { id: number; connected: boolean }[] } } };
}

export async function readyz(replica: Replica): Promise<ReadyAnswer> {
  const res = await fetch(`${replica.base}/readyz`);
  return { status: res.status, body: (await res.json()) as ReadyAnswer['body'] };
}

/** The shards a replica says it holds, connected or not. */
export async function heldShards(replica: Replica): Promise<{ id: number; connected: boolean }[]> {
  return (await readyz(replica)).body.shards?.discord?.held ?? [];
}

export async function metricsText(replica: Replica): Promise<string> {
  return (await fetch(`${replica.base}/metrics`)).text();
}
