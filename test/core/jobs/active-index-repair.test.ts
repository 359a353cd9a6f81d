/**
 * An id in the index of active jobs with no record: what a crash between writing a new job's index
 * and its record leaves (Redis writes them one after the other; an SQLite file written before its
 * saves became one transaction may hold one too). Nobody can take such a job over, and its
 * person's slot stayed taken for good. The repair drops it (at start-up and regularly), unless the
 * job's admission is under way; a job with a record is never dropped. Real SQLite file and real
 * Redis; the crash's leftovers are written straight into them, as the crashed process left them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import KeyvSqlite from '@keyv/sqlite';
import { createClient } from '@keyv/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { userSet } from '../../../src/core/jobs/engine.js';
import { ACTIVE, ADMISSION_MARK_MS, admissionMark, repairSlots } from '../../../src/core/jobs/repair.js';
import { RedisJobStore } from '../../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../../../src/core/jobs/store.js';
import { startFakeOxen } from '../../fakes/oxen/index.js';
import { startCore, submitted, textRequest } from '../../helpers/harness.js';
import { jobRecord } from '../../helpers/job-record.js';
import { RecordingPort } from '../../helpers/recording-port.js';
import { dropRedisPrefix, REDIS_URL } from '../../helpers/redis.js';

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  cleanups = [];
});

const person = (user: string) => userSet({ requester: { platform: 'discord', userId: user, scopeId: 'guild-1' } });

interface Backend {
  store: JobStore;
  /** Writes what a crash right after a new job's index (before its record) leaves behind. */
  leaveIndexWithoutRecord(id: string, user: string): Promise<void>;
  /** Milliseconds before the id key of `id` expires (-1: never; only Redis has one). */
  idKeyTtl?(id: string): Promise<number>;
}

function sqlite(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'seedance-active-repair-'));
  const store = new SqliteJobStore(dir);
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }), () => store.close());
  return {
    store,
    async leaveIndexWithoutRecord(id, user) {
      await store.ping(); // the tables exist
      const raw = new KeyvSqlite({ uri: `sqlite://${join(dir, 'seedance-bot.sqlite')}`, busyTimeout: 10_000 });
      await raw.query('INSERT INTO user_jobs (user_key, id, created) VALUES (?, ?, ?)', `discord:${user}`, id, Date.now());
      await raw.query('INSERT INTO active_jobs (id) VALUES (?)', id);
      await raw.disconnect();
    },
  };
}

function redis(): Backend {
  const prefix = `test-${randomUUID()}`;
  const store = new RedisJobStore(REDIS_URL, prefix);
  cleanups.push(() => dropRedisPrefix(prefix), () => store.close());
  const connect = async () => {
    const client = createClient({ url: REDIS_URL });
    await client.connect();
    return client;
  };
  const withClient = async <T>(use: (client: Awaited<ReturnType<typeof connect>>) => Promise<T>): Promise<T> => {
    const client = await connect();
    try {
      return await use(client);
    } finally {
      await client.close();
    }
  };
  return {
    store,
    // RedisJobStore.create: the id claimed, then put(): the active index (the id key made lasting), then the record.
    leaveIndexWithoutRecord: (id) => withClient(async (client) => void (await client.multi().set(`${prefix}:id:${id}`, '1').sAdd(`${prefix}:active`, id).exec())),
    idKeyTtl: (id) => withClient((client) => client.pTTL(`${prefix}:id:${id}`)),
  };
}

describe.each([
  ['sqlite', sqlite],
  ['redis', redis],
] as const)('on %s', (_name, open) => {
  it('the repair drops an active id with no record and no admission under way, and the slot it held', async () => {
    const backend = open();
    const { store } = backend;
    // The crash: the person's slot taken, the index written, the record never.
    await store.joinCapped(person('u1'), 'ghost1', 1);
    await backend.leaveIndexWithoutRecord('ghost1', 'u1');
    // Another instance admitting right now: its mark is held, its record not saved yet.
    await store.acquireLease(admissionMark('being1'), 'being1', ADMISSION_MARK_MS);
    await backend.leaveIndexWithoutRecord('being1', 'u2');
    const live = jobRecord({ state: 'running', requester: { platform: 'discord', userId: 'u3', scopeId: 'g1' } });
    await store.create(live);

    expect((await store.activeWithoutRecord()).sort()).toEqual(['being1', 'ghost1']);
    const report = await repairSlots(store);
    expect(report.dropped).toEqual(expect.arrayContaining([{ set: ACTIVE, member: 'ghost1' }, { set: person('u1'), member: 'ghost1' }]));
    expect(report.dropped.some((d) => d.member === 'being1' || d.member === live.id)).toBe(false);
    expect((await store.activeIds()).sort()).toEqual(['being1', live.id].sort());
    expect(await store.members(person('u1'))).toEqual([]);
    expect(await store.recentIdsOf('discord', 'u1', 10)).toEqual([]);
    if (backend.idKeyTtl) expect(await backend.idKeyTtl('ghost1')).toBeGreaterThan(0); // not kept for ever

    // A job with a record is never forgotten, whoever asks.
    expect(await store.forgetActive(live.id)).toBe(false);
    expect(await store.activeIds()).toContain(live.id);
  });

  it('at start-up the person blocked by such a crash can submit again', async () => {
    const backend = open();
    const { store } = backend;
    await store.joinCapped(person('u1'), 'ghost2', 1);
    await backend.leaveIndexWithoutRecord('ghost2', 'u1');
    const fake = await startFakeOxen({ timing: 'manual' });
    cleanups.push(() => fake.close());
    const bot = await startCore({ fake, store, port: new RecordingPort(), engine: { repairEveryMs: 60_000 }, service: { perUserLimit: 1 } });
    cleanups.push(() => bot.stop());
    const job = submitted(await bot.service.submit(textRequest('not blocked for good', 'u1'))).job;
    expect(await store.activeIds()).toEqual([job.id]);
  });
});
