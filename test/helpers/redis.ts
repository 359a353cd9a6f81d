import { createClient } from '@keyv/redis';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** Deletes every key a test wrote under its own prefix, so the shared Redis stays clean. */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const client = createClient({ url: REDIS_URL });
  await client.connect();
  try {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 500 })) {
      if (keys.length > 0) await client.del(keys);
    }
  } finally {
    await client.close();
  }
}
