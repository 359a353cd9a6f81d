/**
 * Redis stops answering while the bot runs: a Slack command is still answered within Slack's 3
 * seconds, with the sentence for an unreachable store (its claim fails within the store's bound)
 * rather than left unanswered. The real Bolt app in HTTP mode against the fake Slack, the real
 * job store on the real Redis, reached through a loopback proxy that goes silent.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { RedisJobStore } from '../../../src/core/jobs/store-redis.js';
import { STORE_UNREACHABLE_TEXT } from '../../../src/core/jobs/store-unreachable.js';
import { dropRedisPrefix } from '../../helpers/redis.js';
import { redisProxy, type RedisProxy } from '../../helpers/redis-proxy.js';
import { startWorld, type World } from '../../slack/helpers.js';

let world: World | undefined;
let proxy: RedisProxy | undefined;
afterEach(async () => {
  // Redis comes back, so the bot shuts down as usual.
  proxy?.away();
  proxy?.back();
  await world?.close();
  await proxy?.close();
  world = undefined;
  proxy = undefined;
});

it('a /video command while Redis is silent is answered with the store sentence, in time', async () => {
  proxy = await redisProxy();
  const prefix = `test-${randomUUID()}`;
  const url = proxy.url;
  world = await startWorld({ store: { store: new RedisJobStore(url, prefix), reopen: () => new RedisJobStore(url, prefix), cleanup: () => dropRedisPrefix(prefix) } });
  proxy.silent();
  const sent = Date.now();
  const ack = await world.bot.sender.command('a fox --duration 5');
  const tookMs = Date.now() - sent;
  expect(ack.status).toBe(200);
  expect(JSON.parse(ack.body)).toEqual({ response_type: 'ephemeral', text: STORE_UNREACHABLE_TEXT });
  console.log(`answered ${tookMs} ms after the command`);
  expect(tookMs).toBeLessThan(4_500); // the claim's bound is 2 s; Slack's limit is 3 s (generous here for a loaded machine)
  expect(world.oxen.requestsTo('enqueue')).toHaveLength(0);
});
