/**
 * Stores whose claims (or slot sets) fail, as when they stop answering just then; everything else is the real
 * store underneath. A stand-in for an outage that cannot be staged on the shared Redis.
 */
import { sqliteStore, type StoreHandle } from './harness.js';
import type { JobStore } from '../../src/core/jobs/store.js';

export function claimsUnavailable(store: JobStore): JobStore {
  return Object.assign(Object.create(store) as JobStore, { claim: () => Promise.reject(new Error('the store did not answer')) });
}

/** An SQLite handle whose store cannot claim. */
export function sqliteWithoutClaims(): StoreHandle {
  const handle = sqliteStore();
  return { ...handle, store: claimsUnavailable(handle.store), reopen: () => claimsUnavailable(handle.reopen()) };
}

/** An SQLite handle whose slot sets (the person's and the global one) cannot be joined. */
export function sqliteWithoutSlots(): StoreHandle {
  const handle = sqliteStore();
  const broken = (store: JobStore) => Object.assign(Object.create(store) as JobStore, { joinCapped: () => Promise.reject(new Error('the store did not answer')) });
  return { ...handle, store: broken(handle.store), reopen: () => broken(handle.reopen()) };
}
