import type { Config } from '../config.js';
import { RedisJobStore } from './store-redis.js';
import { SqliteJobStore } from './store-sqlite.js';
import type { JobStore } from './store.js';

/** STORE_URL=redis://… shares jobs between instances; otherwise an SQLite file in DATA_DIR. */
export function openJobStore(config: Config['store']): JobStore {
  const options = { retentionMs: config.jobRetentionMs };
  return config.url ? new RedisJobStore(config.url, undefined, options) : new SqliteJobStore(config.dataDir, undefined, options);
}
