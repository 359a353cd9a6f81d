/**
 * Redis unreachable: every Redis-backed store in the core (jobs, claims and the waiting line
 * through it, settings, reference files) fails within a few seconds with `store.unreachable`
 * instead of waiting in the client's queue for ever. Against a closed port on loopback, a
 * listening server that never answers, and a loopback proxy to the real Redis that goes silent
 * (or away) while the store is in use.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../../../src/core/jobs/store-redis.js';
import { STORE_UNREACHABLE } from '../../../src/core/jobs/store-unreachable.js';
import { RedisReferenceStore } from '../../../src/core/references/reference-store-redis.js';
import { RedisSettingsStorage } from '../../../src/core/settings/storage.js';
import { jobRecord } from '../../helpers/job-record.js';
import { dropRedisPrefix } from '../../helpers/redis.js';
import { redisProxy } from '../../helpers/redis-proxy.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

/** Generous for a loaded machine; the stores' own bound is 2 s. */
const WITHIN_MS = 6_000;

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** Accepts connections and never says a word. */
async function silentServer(): Promise<string> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => void sockets.add(socket));
  const port = await listen(server);
  cleanups.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  return `redis://127.0.0.1:${port}`;
}

async function closedPort(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return `redis://127.0.0.1:${port}`;
}

/** How `call` ended, and how long it took; 'waiting' when it had not ended within WITHIN_MS. */
async function outcome(call: () => Promise<unknown>): Promise<{ result: string; ms: number }> {
  const started = Date.now();
  const result = await Promise.race([
    call().then(
      () => 'answered',
      (error: unknown) => String((error as { code?: unknown }).code ?? (error as Error).message),
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve('still waiting'), WITHIN_MS)),
  ]);
  return { result, ms: Date.now() - started };
}

function jobStore(url: string): RedisJobStore {
  const prefix = `test-${randomUUID()}`;
  const store = new RedisJobStore(url, prefix);
  cleanups.push(() => dropRedisPrefix(prefix), () => store.close());
  return store;
}

describe.each([
  ['a closed port', closedPort],
  ['a server that never answers', silentServer],
] as const)('Redis at %s', (_name, address) => {
  it('job store calls (claims and the waiting line included) fail with store.unreachable within seconds', async () => {
    const store = jobStore(await address());
    const calls: [string, () => Promise<unknown>][] = [
      ['claim', () => store.claim('slack:command:1', 60_000)],
      ['get', () => store.get('abc123')],
      ['put', () => store.put(jobRecord({ state: 'running' }))],
      ['activeIds', () => store.activeIds()],
      ['acquireLease', () => store.acquireLease('job:abc123', 'me', 1_000)],
      ['line.add', () => store.line.add('abc123', 'user:discord:u1')],
    ];
    const results = await Promise.all(calls.map(async ([what, call]) => [what, await outcome(call)] as const));
    for (const [what, { result }] of results) expect({ what, result }).toEqual({ what, result: STORE_UNREACHABLE });
    expect(await outcome(async () => expect(await store.ping()).toBe(false))).toMatchObject({ result: 'answered' });
    expect(await outcome(() => store.close())).toMatchObject({ result: 'answered' });
  });

  it('the settings storage fails with store.unreachable within seconds', async () => {
    const storage = new RedisSettingsStorage(await address(), `test-${randomUUID()}`);
    cleanups.push(() => storage.close());
    expect((await outcome(() => storage.read('guild:1'))).result).toBe(STORE_UNREACHABLE);
    expect((await outcome(() => storage.close())).result).toBe('answered');
  });
});

describe('Redis going away while in use', () => {
  it('a store that worked fails with store.unreachable within seconds once Redis goes silent, and once it is gone', async () => {
    const proxy = await redisProxy();
    cleanups.push(() => proxy.close());
    const store = jobStore(proxy.url);
    expect(await store.claim(`c-${randomUUID()}`, 60_000)).toBe(true);
    proxy.silent();
    expect((await outcome(() => store.claim(`c-${randomUUID()}`, 60_000))).result).toBe(STORE_UNREACHABLE);
    expect((await outcome(() => store.put(jobRecord({ state: 'running' })))).result).toBe(STORE_UNREACHABLE); // a MULTI: no command timeout of its own
    proxy.away();
    expect((await outcome(() => store.get('abc123'))).result).toBe(STORE_UNREACHABLE);
  });

  it('the reference store fails with store.unreachable at once when Redis is down', async () => {
    const references = new RedisReferenceStore(await closedPort(), `test-${randomUUID()}`);
    cleanups.push(() => references.close());
    expect((await outcome(() => references.load('abc123'))).result).toBe(STORE_UNREACHABLE);
    const proxy = await redisProxy();
    cleanups.push(() => proxy.close());
    const shared = new RedisReferenceStore(proxy.url, `test-${randomUUID()}`);
    cleanups.push(() => shared.close());
    expect(await shared.load('abc123')).toBeUndefined();
    proxy.away();
    expect((await outcome(() => shared.load('abc123'))).result).toBe(STORE_UNREACHABLE);
  });
});
