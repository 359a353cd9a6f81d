/**
 * A store whose claims fail, as when it stops answering just then; everything else is the real
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
