/**
 * The shared waiting line on both real backends (the embedded SQLite file and the real Redis):
 * round-robin between people, the same order for every handle on the same data, and positions
 * cached against the line's version.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WaitingLine, type LineStore } from '../../../src/core/jobs/fair-queue.js';
import { RedisJobStore } from '../../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../../../src/core/jobs/store.js';
import { dropRedisPrefix, REDIS_URL } from '../../helpers/redis.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Two handles on the same data: two instances (Redis), or the file reopened (SQLite). */
const backends: [string, () => [JobStore, () => JobStore]][] = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'seedance-line-'));
      const first = new SqliteJobStore(dir);
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }), () => first.close());
      return [first, () => first];
    },
  ],
  [
    'redis',
    () => {
      const prefix = `test-${randomUUID()}`;
      const first = new RedisJobStore(REDIS_URL, prefix);
      cleanups.push(() => dropRedisPrefix(prefix), () => first.close());
      return [
        first,
        () => {
          const other = new RedisJobStore(REDIS_URL, prefix);
          cleanups.push(() => other.close());
          return other;
        },
      ];
    },
  ],
];

async function serveAll(line: LineStore): Promise<string[]> {
  const served: string[] = [];
  for (let [next] = await line.order(1); next; [next] = await line.order(1)) {
    expect(await line.remove(next, true)).toBe(true);
    served.push(next);
  }
  return served;
}

describe.each(backends)('the waiting line on %s', (_name, open) => {
  it('serves people in turn, not in arrival order, and every handle sees the same order', async () => {
    const [store, other] = open();
    for (const id of ['a1', 'a2', 'a3']) await store.line.add(id, 'alice');
    await store.line.add('b1', 'bob');
    await other().line.add('c1', 'carol');
    await other().line.add('b2', 'bob');
    expect(await store.line.order()).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    expect(await other().line.order()).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
    expect(await store.line.order(2)).toEqual(['a1', 'b1']);
    expect(await serveAll(other().line)).toEqual(['a1', 'b1', 'c1', 'a2', 'b2', 'a3']);
  });

  it('puts a person who comes back at the end of the current round', async () => {
    const [store] = open();
    await store.line.add('a1', 'alice');
    await store.line.add('b1', 'bob');
    expect(await store.line.remove('a1', true)).toBe(true);
    await store.line.add('a2', 'alice');
    expect(await store.line.order()).toEqual(['b1', 'a2']);
  });

  it('queues a job once (keeping its place), removes it once, and does not count a cancel as a turn', async () => {
    const [store] = open();
    await store.line.add('a1', 'alice');
    await store.line.add('a2', 'alice');
    await store.line.add('b1', 'bob');
    expect(await store.line.add('a1', 'alice')).toBe(false);
    expect(await store.line.order()).toEqual(['a1', 'b1', 'a2']);
    const before = await store.line.version();
    expect(await store.line.remove('b1', false)).toBe(true);
    expect(await store.line.remove('b1', false)).toBe(false);
    expect(await store.line.version()).toBe(before + 1);
    await store.line.add('c1', 'carol');
    // The cancel did not move the round on: carol still joins the first round.
    expect(await store.line.order()).toEqual(['a1', 'c1', 'a2']);
  });

  it('shows positions from a cache checked against the version at most every ttl', async () => {
    const [store, other] = open();
    let now = 1_000;
    const line = new WaitingLine(store.line, { ttlMs: 500, now: () => now });
    await other().line.add('a1', 'alice');
    expect([...(await line.positions())]).toEqual([['a1', 1]]);
    await other().line.add('b1', 'bob');
    expect([...(await line.positions())]).toEqual([['a1', 1]]); // within the ttl: the cache
    now += 500;
    expect([...(await line.positions())]).toEqual([['a1', 1], ['b1', 2]]);
    await other().line.remove('a1', true);
    expect([...(await line.positions({ fresh: true }))]).toEqual([['b1', 1]]);
  });
});
