/**
 * Job records are written by one JSON.stringify (record-format.ts) in keyv's own format, so a
 * record written by keyv's default writer (before this change) and one written now read alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import Keyv from 'keyv';
import KeyvSqlite from '@keyv/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { serializeRecord } from '../../../src/core/jobs/record-format.js';
import { RedisJobStore } from '../../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../../../src/core/jobs/store.js';
import { jobRecord } from '../../helpers/job-record.js';
import { dropRedisPrefix, REDIS_URL } from '../../helpers/redis.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A record with what keyv's format escapes: strings starting with ":" (a Slack emoji first), at any depth. */
function colonRecord() {
  const record = jobRecord({ state: 'running' });
  record.request = { ...record.request, prompt: ':tada: fireworks over :sparkles:' };
  record.generations = [{ id: 'g1', status: 'failed', error: '::double', delivery: 'pending' }];
  record.origin = ':base64:not-a-buffer';
  return record;
}

describe('serializeRecord', () => {
  it("writes exactly what keyv's default writer writes", () => {
    const keyvDefault = new Keyv().serialize!;
    const data = {
      value: { ...colonRecord(), list: [1, ':a', undefined, null, { at: new Date(0), n: NaN }], bytes: Buffer.from('hi'), gone: undefined },
      expires: undefined,
    };
    expect(serializeRecord(data)).toBe(keyvDefault(data));
  });
});

const backends: [string, () => JobStore][] = [
  [
    'sqlite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'seedance-format-'));
      const store = new SqliteJobStore(dir);
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => store.close());
      return store;
    },
  ],
  [
    'redis',
    () => {
      const prefix = `test-${randomUUID()}`;
      const store = new RedisJobStore(REDIS_URL, prefix);
      cleanups.push(() => dropRedisPrefix(prefix), () => store.close());
      return store;
    },
  ],
];

describe.each(backends)('%s store', (_name, open) => {
  it('reads back strings that start with ":" unchanged, after a create and after a grouped save', async () => {
    const store = open();
    const record = colonRecord();
    await store.create(record);
    expect(await store.get(record.id)).toEqual(record);
    record.generations[0]!.error = ':still: escaped';
    await store.put(record);
    expect(await store.get(record.id)).toEqual(record);
  });
});

it('a record written by keyv itself (before this change) reads the same', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-format-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const old = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${join(dir, 'seedance-bot.sqlite')}` }), namespace: 'job' });
  const record = colonRecord();
  await old.set(record.id, record);
  await old.disconnect();
  const store = new SqliteJobStore(dir);
  cleanups.push(() => store.close());
  expect(await store.get(record.id)).toEqual(record);
});
