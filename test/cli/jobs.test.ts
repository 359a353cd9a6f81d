/**
 * `seedance jobs` reads the store a running bot writes: a bot process (test/process/bot-process.ts,
 * the real core on SQLite in DATA_DIR) makes one video and starts another; the CLI, as its own
 * process on the same DATA_DIR, lists them, shows one in full, and cancels the running one as an
 * admin would: at Oxen, after which the bot that follows it ends it. Also the stores' recentIds
 * (SQLite and Redis), which the list is read with.
 */
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJobStore } from '../../src/core/jobs/store-redis.js';
import { SqliteJobStore } from '../../src/core/jobs/store-sqlite.js';
import type { JobStore } from '../../src/core/jobs/store.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { eventually } from '../helpers/harness.js';
import { jobRecord } from '../helpers/job-record.js';
import { dropRedisPrefix, REDIS_URL } from '../helpers/redis.js';
import { killAllBots, startBot, startSink, type BotProcess, type Sink } from '../process/helpers.js';
import { emptyDir, runCli } from './run-cli.js';

let oxen: FakeOxen;
let sink: Sink;
let bot: BotProcess;
const dataDir = emptyDir('seedance-cli-jobs-');

beforeAll(async () => {
  oxen = await startFakeOxen({ timing: { queuedMs: 30, processingMs: 60 }, keepAliveMs: 1_000 });
  sink = await startSink();
  bot = await startBot({ name: 'cli-jobs', fake: oxen, sink, store: { dataDir } });
}, 30_000);
afterAll(async () => {
  await killAllBots();
  await sink?.close();
  await oxen?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('seedance jobs, on the store of a running bot', () => {
  it('lists the jobs, shows one, and cancels a running one at Oxen; the bot ends it', async () => {
    const done = await bot.submit('a fox in the snow', 'ann');
    await eventually(async () => (await bot.job(done))?.state === 'done', 15_000, 'the first job done');
    oxen.switches.stuckInProcessing = true;
    const slow = await bot.submit('a very slow fox', 'bob');
    await eventually(async () => (await bot.job(slow))?.generations.some((g) => g.status === 'processing') === true, 15_000, 'the second job processing');
    const generationId = (await bot.job(slow))!.generations[0]!.id;

    const env = { OXEN_API_KEY: oxen.apiKey, OXEN_BASE_URL: oxen.url, DATA_DIR: dataDir };
    const [list, onlyDone, one, missing, unreachable] = await Promise.all([
      runCli(['jobs', '--json'], { env }),
      runCli(['jobs', '--state', 'done'], { env }),
      runCli(['jobs', done], { env }),
      runCli(['jobs'], { env: { ...env, DATA_DIR: emptyDir() } }),
      // Nothing listens there: the Redis client would try again for ever.
      runCli(['jobs'], { env: { ...env, STORE_URL: 'redis://:store-pass-Xk2@127.0.0.1:9' } }),
    ]);
    expect(list.code, list.stderr).toBe(0);
    const jobs = JSON.parse(list.stdout) as { id: string; state: string; phase: string; requester: { userId: string } }[];
    expect(jobs.map((j) => [j.id, j.requester.userId, j.phase])).toEqual([
      [slow, 'bob', 'processing'],
      [done, 'ann', 'done'],
    ]);

    expect(onlyDone.code, onlyDone.stderr).toBe(0);
    expect(onlyDone.stdout).toMatch(/^ID\s+STATE\s+OWNER\s+MODEL\s+COST/);
    expect(onlyDone.stdout).toContain(done);
    expect(onlyDone.stdout).toContain('discord:ann');
    expect(onlyDone.stdout).not.toContain(slow);

    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(new RegExp(`^Job\\s+${done}$`, 'm'));
    expect(one.stdout).toMatch(/^Prompt\s+a fox in the snow$/m);
    expect(one.stdout).toMatch(/^Generation\s+\S+: succeeded, delivery delivered \(upload\)$/m);

    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^seedance: No bot store in DATA_DIR/);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toBe("seedance: The bot's store did not answer within 10 s: check STORE_URL\n");

    const cancel = await runCli(['jobs', 'cancel', slow], { env });
    expect(cancel.code, cancel.stderr).toBe(0);
    expect(cancel.stdout).toContain(`Asked Oxen to cancel job ${slow} (generation ${generationId})`);
    expect(oxen.requestsTo('cancel').map((r) => r.path)).toEqual([`/api/ai/queue/${generationId}`]);
    // The bot following the job finds it cancelled (its safety-net listing) and ends it.
    await eventually(async () => (await bot.job(slow))?.state === 'cancelled', 15_000, 'the bot to end the cancelled job');
    oxen.switches.stuckInProcessing = false;
  }, 90_000);
});

describe('recentIds: everyone\'s newest jobs first', () => {
  const stores: { name: string; open: () => { store: JobStore; cleanup: () => Promise<void> } }[] = [
    { name: 'sqlite', open: () => ({ store: new SqliteJobStore(emptyDir()), cleanup: async () => undefined }) },
    {
      name: 'redis',
      open: () => {
        const prefix = `test-cli-${randomUUID()}`;
        return { store: new RedisJobStore(REDIS_URL, prefix), cleanup: () => dropRedisPrefix(prefix) };
      },
    },
  ];
  for (const { name, open } of stores) {
    it(name, async () => {
      const { store, cleanup } = open();
      try {
        const at = Date.now();
        const jobs = [
          jobRecord({ createdAt: at - 3000, requester: { platform: 'discord', userId: 'a', scopeId: 'g' } }),
          jobRecord({ createdAt: at - 1000, requester: { platform: 'slack', userId: 'B', scopeId: 'T' } }),
          jobRecord({ createdAt: at - 2000, requester: { platform: 'discord', userId: 'a', scopeId: 'g' }, state: 'done', endedAt: at }),
        ];
        for (const job of jobs) await store.create(job);
        expect(await store.recentIds(10)).toEqual([jobs[1]!.id, jobs[2]!.id, jobs[0]!.id]);
        expect(await store.recentIds(2)).toEqual([jobs[1]!.id, jobs[2]!.id]);
      } finally {
        await store.close();
        await cleanup();
      }
    });
  }
});
