/**
 * The waiting line with two real bot processes (test/process/bot-process.ts: the real core) on the
 * real Redis: whichever process is asked shows a waiting job at the same place, and the processes
 * serve people in turn across each other. The test process runs the fake Oxen (manual timing) and
 * the "platform" sink.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { killAllBots, startBot, startSink } from './helpers.js';

let cleanups: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  await killAllBots();
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

describe('two bot processes on one Redis, one generation slot', () => {
  it('show every waiting job at the same place, and serve people in turn across the processes', async () => {
    const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
    const sink = await startSink();
    const prefix = `test-line-${randomUUID()}`;
    cleanups.push(() => fake.close(), () => sink.close(), () => dropRedisPrefix(prefix));
    const store = { url: REDIS_URL, prefix };
    const env = { GLOBAL_LIMIT: '1' };
    const [a, b] = await Promise.all([startBot({ name: 'a', fake, sink, store, env }), startBot({ name: 'b', fake, sink, store, env })]);

    await a.submit('a1', 'alice');
    await eventually(() => fake.generations.size === 1, 10_000, 'a1 at Oxen');
    const a2 = await a.submit('a2', 'alice');
    const a3 = await a.submit('a3', 'alice');
    const b1 = await b.submit('b1', 'bob');
    const b2 = await b.submit('b2', 'bob');

    const expected: [string, number][] = [
      [a2, 1],
      [b1, 2],
      [a3, 3],
      [b2, 4],
    ];
    for (const [id, place] of expected) {
      for (const bot of [a, b]) expect(await bot.view(id), `${id} on ${bot.name}`).toEqual({ phase: 'waiting', position: place });
    }

    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      await eventually(() => fake.requestsTo('enqueue').length === i + 1, 10_000, `enqueue ${i + 1}`);
      const { prompt } = JSON.parse(fake.requestsTo('enqueue')[i]!.body) as { prompt: string };
      order.push(prompt);
      await new Promise((resolve) => setTimeout(resolve, 100)); // the one slot: nothing else starts meanwhile
      expect(fake.requestsTo('enqueue')).toHaveLength(i + 1);
      fake.complete([...fake.generations.values()].find((g) => g.prompt === prompt)!.generation_id);
    }
    expect(order).toEqual(['a1', 'a2', 'b1', 'a3', 'b2']);
    await eventually(() => sink.posted().length === 5, 10_000, 'five videos posted');
    expect(new Set(sink.posted().map((u) => u.jobId)).size).toBe(5);
  });
});
