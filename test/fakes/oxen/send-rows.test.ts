/**
 * The fake Oxen's queue listing, written a slice at a time (send-rows.ts), is still one JSON
 * answer with every active row, and a snapshot: a generation that ends while the listing is
 * being written is listed as it was when the request came.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SEEDANCE_MODELS, startFakeOxen, type FakeOxen } from './index.js';

let oxen: FakeOxen;
beforeAll(async () => void (oxen = await startFakeOxen({ timing: 'manual', recordRequests: false })));
afterAll(() => oxen.close());

const enqueue = (i: number) =>
  fetch(`${oxen.url}/api/ai/queue`, {
    method: 'POST',
    headers: { authorization: `Bearer ${oxen.apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: SEEDANCE_MODELS[0]!.id, prompt: `fox ${i}`, target_repo: 'bot', target_directory: `jobs/${i}/1` }),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as { generations: { generation_id: string }[] } }));

it('lists 1,201 active rows (three slices) as one JSON answer, newest first, as they were when asked', async () => {
  for (let i = 0; i < 1201; i += 100) {
    const answers = await Promise.all(Array.from({ length: Math.min(100, 1201 - i) }, (_, k) => enqueue(i + k)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
  }
  const active = [...oxen.generations.values()].filter((g) => g.target_repo === 'bot').map((g) => g.generation_id);
  expect(active).toHaveLength(1201);

  // Ends the last-listed (oldest) generation once the request is in, while its first slice is out.
  const oldest = active[0]!;
  const before = oxen.requestCounts()['listQueue'] ?? 0;
  const ended = new Promise<void>((resolve) => {
    const look = () => ((oxen.requestCounts()['listQueue'] ?? 0) > before ? (oxen.complete(oldest), resolve()) : setImmediate(look));
    look();
  });
  const response = await fetch(`${oxen.url}/api/ai/queue?repo=bot`, { headers: { authorization: `Bearer ${oxen.apiKey}` } });
  await ended;
  const listing = (await response.json()) as { count: number; generations: Array<{ generation_id: string; status: string; prompt: string; target_directory: string }> };
  expect(listing.count).toBe(1201);
  expect(listing.generations.map((g) => g.generation_id)).toEqual([...active].reverse());
  expect(listing.generations.at(-1)).toMatchObject({ generation_id: oldest, status: 'queued', prompt: 'fox 0', target_directory: 'jobs/0/1' });
  expect(oxen.generations.get(oldest)!.status).toBe('succeeded');
});

it('lists nothing as an empty list', async () => {
  const response = await fetch(`${oxen.url}/api/ai/queue?repo=nobody`, { headers: { authorization: `Bearer ${oxen.apiKey}` } });
  expect(await response.json()).toEqual({ count: 0, generations: [] });
});
