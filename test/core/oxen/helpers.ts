/** Shared set-up for the Oxen client tests: a client aimed at a fake, with instant, recorded sleeps. */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { OxenClient, type OxenClientOptions } from '../../../src/core/oxen/client.js';
import { OxenError } from '../../../src/core/oxen/errors.js';
import type { RetryPolicy } from '../../../src/core/oxen/retry.js';
import type { FakeOxen } from '../../fakes/oxen/index.js';

export interface RecordedSleeps {
  waits: number[];
  sleep: RetryPolicy['sleep'];
}

/** A sleep that returns at once and remembers what it was asked to wait. */
export function recordedSleeps(onSleep?: (ms: number) => void | Promise<void>): RecordedSleeps {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms) => {
      waits.push(ms);
      await onSleep?.(ms);
    },
  };
}

export function clientFor(fake: FakeOxen, options: Partial<OxenClientOptions> = {}): OxenClient {
  return new OxenClient({
    baseUrl: fake.url,
    apiKey: fake.apiKey,
    timeouts: { requestMs: 2_000 },
    ...options,
    retry: { sleep: async () => undefined, random: () => 0.5, ...options.retry },
  });
}

/** Awaits a rejection and returns it as an OxenError (fails the test otherwise). */
export async function oxenErrorOf(promise: Promise<unknown>): Promise<OxenError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof OxenError) return error;
    throw new Error(`expected an OxenError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a rejection');
}

/** A loopback port with nothing listening on it (so connecting is refused). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function waitFor(condition: () => boolean, timeoutMs = 2_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export const PROMPT = 'A lone ox walks down an empty desert highway at golden hour';
