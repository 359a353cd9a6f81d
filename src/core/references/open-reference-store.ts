import { join } from 'node:path';
import type { Config } from '../config.js';
import { FileReferenceStore } from './reference-store-files.js';
import { RedisReferenceStore } from './reference-store-redis.js';
import type { ReferenceStore } from './reference-store.js';

/** Beside the job store: Redis with STORE_URL (every instance sees every file), else files in DATA_DIR. */
export function openReferenceStore(config: Config['store']): ReferenceStore {
  return config.url ? new RedisReferenceStore(config.url) : new FileReferenceStore(join(config.dataDir, 'references'));
}
