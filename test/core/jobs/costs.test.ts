/**
 * The cost lookup against the fake Oxen's generations endpoints: a few generations are asked one
 * by one; many waiting at once are answered from pages of the bot's own history (its tag repo),
 * not one request each; a cost Oxen does not give stays unknown.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CostLookup, chargedUsd } from '../../../src/core/jobs/costs.js';
import { OxenClient } from '../../../src/core/oxen/client.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import type { JobRecord } from '../../../src/core/jobs/job.js';

let fake: FakeOxen;
afterEach(async () => fake?.close());

async function made(client: OxenClient, count: number, repo = 'bot-refs'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const [id] = await client.enqueue({ model: 'bytedance-seedance-2-0-fast-text-to-video', prompt: `fox ${i}`, resolution: '480p', duration: 5, target_repo: repo, target_directory: `jobs/j${i}/1` });
    fake.complete(id!);
    ids.push(id!);
  }
  return ids;
}

const jobWith = (ids: string[]) => ({ generations: ids.map((id) => ({ id, status: 'succeeded', delivery: 'delivered' })) }) as unknown as JobRecord;

describe('CostLookup', () => {
  it('asks one by one when few are waiting, and fills each generation', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
    const ids = await made(client, 2);
    const job = jobWith(ids);
    await new CostLookup(client, { tagRepo: 'bot-refs' }).fill(job);
    expect(job.generations.map((g) => g.cost)).toEqual(['0.4000', '0.4000']); // 5 s of 480p Fast at the fake's $0.08/s
    expect(chargedUsd(job)).toBeCloseTo(0.8);
    expect(fake.requestsTo('showGeneration')).toHaveLength(2);
    expect(fake.requestsTo('listGenerations')).toHaveLength(0);
  });

  it('answers many waiting at once from the history pages, in a request or two instead of one each', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
    const ids = await made(client, 40);
    await made(client, 5, 'someone-else');
    const lookup = new CostLookup(client, { tagRepo: 'bot-refs', windowMs: 200 });
    const jobs = ids.map((id) => jobWith([id]));
    await Promise.all(jobs.map((j) => lookup.fill(j)));
    expect(jobs.every((j) => j.generations[0]!.cost === '0.4000')).toBe(true);
    const requests = fake.requestsTo('showGeneration').length + fake.requestsTo('listGenerations').length;
    expect(requests).toBeLessThanOrEqual(4);
    expect(fake.requestsTo('listGenerations').every((r) => r.query['repo'] === 'bot-refs' && r.query['status'] === 'succeeded')).toBe(true);
  });

  it('under load, spaces the history rounds out: lookups arriving meanwhile wait for the next round, the pages are not re-read for each', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey });
    const ids = await made(client, 80);
    const lookup = new CostLookup(client, { tagRepo: 'bot-refs', windowMs: 50, historyEveryMs: 1_500 });
    const jobs = ids.map((id) => jobWith([id]));
    const first = Promise.all(jobs.slice(0, 40).map((j) => lookup.fill(j)));
    await first;
    expect(fake.requestsTo('listGenerations')).toHaveLength(1);
    // Four waves of ten, 200 ms apart, each more than `few`: one more history round for all of them.
    const waves: Promise<unknown>[] = [];
    for (let wave = 0; wave < 4; wave++) {
      waves.push(Promise.all(jobs.slice(40 + wave * 10, 50 + wave * 10).map((j) => lookup.fill(j))));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await Promise.all(waves);
    expect(jobs.every((j) => j.generations[0]!.cost === '0.4000')).toBe(true);
    expect(fake.requestsTo('listGenerations')).toHaveLength(2);
    expect(fake.requestsTo('showGeneration')).toHaveLength(0);
  });

  it('leaves the cost unknown when Oxen gives none or cannot be reached', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: { maxAttempts: 1 } });
    const ids = await made(client, 1);
    fake.switches.costs = 'missing';
    const job = jobWith(ids);
    await new CostLookup(client, { tagRepo: 'bot-refs' }).fill(job);
    expect(job.generations[0]).toMatchObject({ costUnknown: true });
    expect(job.generations[0]!.cost).toBeUndefined();
    expect(chargedUsd(job)).toBeUndefined();

    fake.switches.costs = 'reported';
    fake.failNext(1, { status: 500 }, 'showGeneration');
    const other = jobWith(ids);
    await new CostLookup(client, { tagRepo: 'bot-refs' }).fill(other);
    expect(other.generations[0]).toMatchObject({ costUnknown: true });
  });
});
