/**
 * What the shard leases need of the job store (JobStore's leases and capped sets), and a
 * process-local stand-in for an adapter started without a store.
 */
import type { JobStore } from '../../core/jobs/store.js';

export type ShardLeaseStore = Pick<JobStore, 'shared' | 'acquireLease' | 'acquireLeases' | 'releaseLease' | 'joinCapped' | 'leave' | 'members'>;

/** Leases in this process only (no other instance can see them): enough for the identify turns. */
export function memoryLeases(now: () => number = Date.now): Pick<ShardLeaseStore, 'acquireLease'> {
  const held = new Map<string, { owner: string; expires: number }>();
  return {
    async acquireLease(name, owner, ttlMs) {
      const at = now();
      const lease = held.get(name);
      if (lease && lease.expires > at && lease.owner !== owner) return false;
      held.set(name, { owner, expires: at + ttlMs });
      return true;
    },
  };
}
