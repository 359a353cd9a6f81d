/**
 * A lost enqueue answer never adopts someone else's video: every enqueue carries a tag unique to
 * the job and attempt (`target_repo` + `target_directory`), and a job whose answer was lost is
 * found at Oxen by that tag alone, never by its prompt. Real parts throughout: the fake Oxen over
 * loopback (which files and filters by those fields as the spec says), the real SQLite store,
 * client, schemas and engine; only the platform is a recording stand-in.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_SETTINGS } from '../../../src/core/jobs/engine.js';
import { budgetDay } from '../../../src/core/jobs/budget.js';
import { newJobId, type JobRecord } from '../../../src/core/jobs/job.js';
import { describeFailure } from '../../../src/core/messages.js';
import { modelFor } from '../../../src/core/models/catalog.js';
import { DEFAULT_OPTIONS } from '../../../src/core/request.js';
import type { Result } from '../../../src/core/result.js';
import type { Submitted, SubmitInput } from '../../../src/core/service.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { eventually, sqliteStore, startCore, type Core } from '../../helpers/harness.js';
import { RecordingPort } from '../../helpers/recording-port.js';

const REPO = DEFAULT_ENGINE_SETTINGS.tagRepo;

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

async function setUp() {
  const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
  const handle = sqliteStore();
  const port = new RecordingPort();
  const core = await startCore({ fake, store: handle.store, port });
  cleanups.push(() => fake.close(), () => handle.cleanup(), () => handle.store.close(), () => core.stop());
  return { fake, handle, port, core };
}

function request(prompt: string, user: string, guild: string): SubmitInput {
  return {
    request: { prompt, options: DEFAULT_OPTIONS },
    attachments: [],
    requester: { platform: 'discord', userId: user, scopeId: guild },
    destination: { platform: 'discord', channelId: `${guild}-channel` },
  };
}

function submitted(result: Result<Submitted>): Submitted {
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value;
}

async function stateOf(core: Core, id: string) {
  const status = await core.service.status(id);
  return status.ok ? status.value.job.state : 'missing';
}

const generationsOf = (fake: FakeOxen) => [...fake.generations.values()];

describe('a lost enqueue answer', () => {
  it('Alice\'s answer is lost while Bob sends the same prompt: each job follows its own generation, each video goes to its own thread once', async () => {
    const { fake, port, core, handle } = await setUp();
    fake.loseAnswerNext(1, 'enqueue', 'hang'); // Oxen makes Alice's video; the answer never comes
    const alice = submitted(await core.service.submit(request('a red fox at dawn', 'alice', 'guild-alice'))).job;
    await eventually(() => fake.generations.size === 1, 3_000, 'Alice\'s generation at Oxen');
    const [aliceGeneration] = generationsOf(fake);

    // Bob asks for the same thing while Alice's bot is still waiting for its answer.
    const bob = submitted(await core.service.submit(request('a red fox at dawn', 'bob', 'guild-bob'))).job;
    await eventually(() => fake.generations.size === 2, 3_000, 'Bob\'s generation at Oxen');
    const bobGeneration = generationsOf(fake).find((g) => g !== aliceGeneration)!;
    await eventually(async () => (await handle.store.get(bob.id))?.generations.length === 1, 3_000, 'Bob\'s job following');

    // Alice's request times out; her job looks itself up by its tag.
    await eventually(async () => (await handle.store.get(alice.id))?.state === 'running', 6_000, 'Alice\'s job found by its tag');
    expect((await handle.store.get(alice.id))!.generations.map((g) => g.id)).toEqual([aliceGeneration!.generation_id]);
    expect((await handle.store.get(bob.id))!.generations.map((g) => g.id)).toEqual([bobGeneration.generation_id]);
    expect(aliceGeneration).toMatchObject({ target_repo: REPO, target_directory: `jobs/${alice.id}/1` });
    expect(bobGeneration).toMatchObject({ target_repo: REPO, target_directory: `jobs/${bob.id}/1` });
    // Looked up by the tag only: never by model or prompt.
    for (const lookup of fake.requestsTo('listQueue')) {
      expect(lookup.query).not.toHaveProperty('model');
      expect(lookup.query.repo).toBe(REPO);
    }

    fake.complete(bobGeneration.generation_id);
    fake.complete(aliceGeneration!.generation_id);
    await eventually(async () => (await stateOf(core, alice.id)) === 'done' && (await stateOf(core, bob.id)) === 'done', 5_000, 'both done');
    expect(port.uploads.map((u) => [u.jobId, u.generationId])).toEqual(
      expect.arrayContaining([
        [alice.id, aliceGeneration!.generation_id],
        [bob.id, bobGeneration.generation_id],
      ]),
    );
    expect(port.uploads).toHaveLength(2); // Bob's video never in Alice's thread; nothing twice
    expect(fake.requestsTo('enqueue')).toHaveLength(2);
  });

  it('a quick Retry whose answer is lost never adopts the original\'s video: nothing under its tag, the person is told plainly', async () => {
    const { fake, port, core, handle } = await setUp();
    const original = submitted(await core.service.submit(request('a lighthouse in fog', 'carol', 'guild-carol'))).job;
    await eventually(() => fake.generations.size === 1, 3_000, 'the original at Oxen');
    fake.complete(generationsOf(fake)[0]!.generation_id);
    await eventually(async () => (await stateOf(core, original.id)) === 'done', 5_000, 'the original done');

    fake.hangNext(1, 'enqueue'); // the retry's request never reaches the queue, and no answer comes
    const retry = submitted(await core.service.retry(original.id, { platform: 'discord', userId: 'carol' })).job;
    await eventually(async () => (await stateOf(core, retry.id)) === 'failed', 8_000, 'the retry ended');
    const record = await handle.store.get(retry.id);
    expect(record?.failure?.code).toBe('oxen.unconfirmed');
    expect(record?.generations).toEqual([]);
    expect(port.uploads.map((u) => u.jobId)).toEqual([original.id]); // the original's video, once, in its own thread
    await eventually(() => port.phasesOf(retry.id).at(-1) === 'failed', 2_000, 'the final status edit');
    expect(describeFailure({ code: 'oxen.unconfirmed' })).toMatch(/could not confirm whether Oxen started the video/);
  });
});

describe('a job found half-submitted after a crash', () => {
  it('follows the generation under its own tag, not a newer one with the same prompt', async () => {
    const fake = await startFakeOxen({ timing: 'manual', keepAliveMs: 1_000 });
    const handle = sqliteStore();
    cleanups.push(() => fake.close(), () => handle.cleanup());
    const port = new RecordingPort();
    // The crashed bot's record: saved as submitting, its enqueue sent, the answer never saved.
    const model = modelFor('fast', 'text').id;
    const now = Date.now();
    const job: JobRecord = {
      id: newJobId(),
      state: 'submitting',
      requester: { platform: 'discord', userId: 'dana', scopeId: 'guild-dana' },
      destination: { platform: 'discord', channelId: 'dana-channel', statusMessageId: 'status-dana', threadId: 'thread-dana' },
      request: { prompt: 'a paper boat', options: DEFAULT_OPTIONS },
      modelId: model,
      body: { model, prompt: 'a paper boat', num_generations: 1 },
      references: [],
      generations: [],
      reservation: { day: budgetDay(now), videoSeconds: 5, settled: false },
      createdAt: now,
      updatedAt: now,
      submittedAt: now,
      attempts: 1,
    };
    expect(await handle.store.create(job)).toBe(true);
    const first = await startCore({ fake, store: handle.store, port, start: false });
    const [own] = await first.oxen.enqueue({ model, prompt: 'a paper boat', target_repo: REPO, target_directory: `jobs/${job.id}/1` });
    // Someone else's job with the same prompt, enqueued just after (listed first, newest first).
    const [other] = await first.oxen.enqueue({ model, prompt: 'a paper boat', target_repo: REPO, target_directory: 'jobs/zzzzzz/1' });

    const core = await startCore({ fake, store: handle.store, port });
    cleanups.push(() => handle.store.close(), () => core.stop());
    await eventually(async () => (await handle.store.get(job.id))?.state === 'running', 5_000, 'the job resumed');
    expect((await handle.store.get(job.id))!.generations.map((g) => g.id)).toEqual([own]);

    fake.complete(other!);
    fake.complete(own!);
    await eventually(async () => (await stateOf(core, job.id)) === 'done', 5_000, 'done');
    expect(port.uploads.map((u) => [u.jobId, u.generationId])).toEqual([[job.id, own]]);
    expect(fake.requestsTo('enqueue')).toHaveLength(2); // not enqueued again
  });
});
