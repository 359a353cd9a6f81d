/**
 * Discord lets `max_concurrency` shards identify per 5 s, one per bucket (`shard_id %
 * max_concurrency`), counted for the whole bot, not per process. So the turn of a bucket is a
 * lease in the shared store that lives for the window: whichever replica (or shard client in
 * this one) takes it may identify, and the next one waits until it has expired. discord.js asks
 * for the turn through `ws.buildIdentifyThrottler`.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IIdentifyThrottler } from '@discordjs/ws';
import type { Logger } from '../../core/log.js';
import type { ShardLeaseStore } from './lease-store.js';

export interface IdentifyThrottleOptions {
  maxConcurrency: number;
  /** Discord's window is 5 s; a little more, since the identify leaves a moment after the turn. */
  windowMs: number;
  /** How often a waiting shard asks again. */
  pollMs: number;
  log: Logger;
}

export function sharedIdentifyThrottler(store: Pick<ShardLeaseStore, 'acquireLease'>, options: IdentifyThrottleOptions): IIdentifyThrottler {
  const concurrency = Math.max(1, options.maxConcurrency);
  return {
    async waitForIdentify(shardId, signal) {
      const turn = `discord:identify:${shardId % concurrency}`;
      // A fresh owner each time: the store renews a lease for its own holder, which would let a shard jump its own wait.
      const owner = randomUUID();
      for (;;) {
        signal.throwIfAborted();
        try {
          if (await store.acquireLease(turn, owner, options.windowMs)) return;
        } catch (error) {
          // The store is unreachable: space this process's identifies by the window and go on.
          options.log.warn('discord.identify_turn_unavailable', { shard: shardId, error });
          await sleep(options.windowMs, undefined, { signal });
          return;
        }
        await sleep(options.pollMs, undefined, { signal });
      }
    },
  };
}
