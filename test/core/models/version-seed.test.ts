/**
 * Seedance 2.5 as a version people choose, and seeds: typed flags -> plan -> body, enqueued at the
 * fake Oxen (which lists the 2.5 models with their schemas and prices and checks every body at run
 * time, as Oxen does), in both schema dialects where it matters.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ModelSchemas } from '../../../src/core/models/schemas.js';
import { OxenClient } from '../../../src/core/oxen/client.js';
import { parseOptionsText } from '../../../src/core/options/parse-options.js';
import { bodyForPlan, planGeneration, previewPlan, type GenerationPlan } from '../../../src/core/plan.js';
import { describeProblems } from '../../../src/core/messages.js';
import { retryRequest } from '../../../src/core/service.js';
import { resolveRequest } from '../../../src/core/settings/resolve.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import type { Problem, Result } from '../../../src/core/result.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { upload } from '../references/helpers.js';

let fake: FakeOxen;
afterEach(async () => fake?.close());

async function setUp(dialect: 'current' | 'seed' = 'current') {
  fake = await startFakeOxen({ timing: 'manual', dialect });
  const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: { maxAttempts: 1 } });
  return { client, schemas: new ModelSchemas(client) };
}

function parse(text: string) {
  const parsed = parseOptionsText(text);
  if (!parsed.ok) throw new Error(describeProblems(parsed.problems));
  return { prompt: parsed.value.prompt, options: parsed.value.options, given: [...parsed.value.given] };
}

const plan = (text: string, attachments: IncomingAttachment[], schemas: ModelSchemas) => planGeneration(parse(text), attachments, { schemas });

function planOf(result: Result<GenerationPlan>): GenerationPlan {
  if (!result.ok) throw new Error(describeProblems(result.problems));
  return result.value;
}

function problemsOf(result: Result<unknown>): Problem[] {
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

async function run(client: OxenClient, body: Record<string, unknown>) {
  const [id] = await client.enqueue(body as Parameters<OxenClient['enqueue']>[0]);
  fake.advance(id!);
  fake.advance(id!);
  return client.getGeneration(id!);
}

describe('choosing the version', () => {
  it.each(['--v2.5', '--version 2.5', '--v 2.5', '--version=25', '\u2014v2.5'])('%s selects Seedance 2.5', (flag) => {
    expect(parse(`a fox ${flag}`)).toMatchObject({ prompt: 'a fox', options: { version: '2.5' } });
  });

  it('keeps 2.0 Fast as the default, and reads --v2 as 2.0', () => {
    expect(parse('a fox').options.version).toBeUndefined();
    expect(parse('a fox --v2').options.version).toBe('2.0');
    expect(parseOptionsText('a fox --version 3').ok).toBe(false);
  });

  it('makes a 2.5 text-to-video body from its live schema: auto length, audio on, MP4 named; Oxen runs it', async () => {
    const { client, schemas } = await setUp();
    const p = planOf(await plan('a fox in snow --v2.5', [], schemas));
    expect(p.model.id).toBe('bytedance-seedance-2-5-text-to-video');
    expect(p.schemaSource).toBe('live');
    const body = bodyForPlan(p, []);
    if (!body.ok) throw new Error('no body');
    expect(body.value.body).toMatchObject({ model: 'bytedance-seedance-2-5-text-to-video', duration: 'auto', generate_audio: true, output_format: 'mp4', resolution: '720p' });
    // Auto is costed as 2.5's longest (30 s), at its audio rate (the fake's invented $0.24/s).
    expect(p.estimate).toEqual({ videoSeconds: 30, usd: 7.2 });
    expect((await run(client, body.value.body)).status).toBe('succeeded');
  });

  it("follows each model's durations: 20 s is 2.5's, refused on 2.0 with what it takes", async () => {
    const { client, schemas } = await setUp();
    const ok = planOf(await plan('a fox --v2.5 --duration 20', [], schemas));
    const body = bodyForPlan(ok, []);
    if (!body.ok) throw new Error('no body');
    expect(body.value.body['duration']).toBe(20);
    expect((await run(client, body.value.body)).status).toBe('succeeded');

    const refused = problemsOf(await plan('a fox --duration 20', [], schemas));
    expect(refused).toEqual([expect.objectContaining({ code: 'model.unsupported_value', params: expect.objectContaining({ option: 'duration', value: 20 }) })]);
    expect(describeProblems(refused)).toContain('`20`');
    // 7 s is 2.0's and not 2.5's.
    expect(problemsOf(await plan('a fox --v2.5 --duration 7', [], schemas))[0]?.code).toBe('model.unsupported_value');
  });

  it('takes up to 10 videos as references with 2.5, where 2.0 takes 3', async () => {
    const { client, schemas } = await setUp();
    const videos = Array.from({ length: 4 }, (_, i) => upload('clip3s.mp4', `clip${i + 1}.mp4`));
    const refused = problemsOf(await plan('four clips', videos, schemas));
    expect(refused.map((p) => p.code)).toContain('reference.too_many_videos');

    // Four 3 s clips are 12 s together: within the shared 15 s cap on video length.
    const p = planOf(await plan('four clips --v2.5', videos, schemas));
    expect(p.model.id).toBe('bytedance-seedance-2-5-reference-to-video');
    const body = bodyForPlan(p, p.references.map((r) => ({ kind: r.kind, label: r.label, url: `https://bot.example.com/r/${r.label.slice(1)}.mp4` })));
    if (!body.ok) throw new Error(describeProblems(body.problems));
    expect(body.value.body['input_videos']).toHaveLength(4);
    expect((await run(client, body.value.body)).status).toBe('succeeded');
  });

  it('refuses a tier typed with 2.5 (it has one), saying so, before any file is read', async () => {
    const { schemas } = await setUp();
    const preview = await previewPlan(parse('a fox --v2.5 --pro'), [], { schemas });
    if (!preview.ok) throw new Error('preview refused');
    expect(preview.value.optionProblems).toEqual([{ code: 'model.unsupported_option', params: { option: 'tier', model: 'Seedance 2.5 - Text to Video' } }]);
    const problems = problemsOf(await plan('a fox --v2.5 --pro', [], schemas));
    expect(describeProblems(problems)).toContain('has a single tier');
  });

  it("takes the default version from the server's or channel's settings, the person's own flag first", () => {
    const settings = { server: { defaultVersion: '2.5' as const }, channels: { C2: { defaultVersion: '2.0' as const } } };
    const resolved = resolveRequest(parse('a fox'), settings, 'C1');
    expect(resolved.ok && resolved.value).toMatchObject({ request: { options: { version: '2.5' } }, sources: { version: 'server' } });
    const inChannel = resolveRequest(parse('a fox'), settings, 'C2');
    expect(inChannel.ok && inChannel.value.request.options.version).toBe('2.0');
    const own = resolveRequest(parse('a fox --v2'), settings, 'C1');
    expect(own.ok && own.value.request.options.version).toBe('2.0');
    // Tiers are 2.0's: an allowed-tiers rule does not stop 2.5.
    const tiers = resolveRequest(parse('a fox'), { server: { defaultVersion: '2.5', allowedTiers: ['mini'] }, channels: {} }, 'C1');
    expect(tiers.ok).toBe(true);
  });
});

describe('seeds', () => {
  it('reads --seed N within 0..2^31-1', () => {
    expect(parse('a fox --seed 42').options.seed).toBe(42);
    expect(parseOptionsText('a fox --seed -1').ok).toBe(false);
    expect(parseOptionsText('a fox --seed 99999999999').ok).toBe(false);
  });

  it("says clearly that today's 2.0 schema (and 2.5's) takes no seed", async () => {
    const { schemas } = await setUp('current');
    const problems = problemsOf(await plan('a fox --seed 42', [], schemas));
    expect(problems).toEqual([{ code: 'model.unsupported_option', params: { option: 'seed', model: 'Seedance 2.0 Fast - Text to Video' } }]);
    expect(describeProblems(problems)).toContain('takes no seed');
    expect(problemsOf(await plan('a fox --seed 42 --v2.5', [], schemas))[0]?.params?.['option']).toBe('seed');
    // Without --seed nothing is drawn for a schema without one.
    const p = planOf(await plan('a fox', [], schemas));
    expect(p.request.options.seed).toBeUndefined();
  });

  it('sends a given seed where the schema has one, and draws one otherwise; Oxen runs both', async () => {
    const { client, schemas } = await setUp('seed');
    const given = planOf(await plan('a fox --seed 42', [], schemas));
    const body = bodyForPlan(given, []);
    if (!body.ok) throw new Error('no body');
    expect(body.value.body['seed']).toBe(42);
    expect(given.settings.seed).toBe(42);
    expect((await run(client, body.value.body)).status).toBe('succeeded');

    const drawn = planOf(await plan('a fox', [], schemas));
    expect(drawn.request.options.seed).toEqual(expect.any(Number));
    expect(drawn.request.given).not.toContain('seed');
    const drawnBody = bodyForPlan(drawn, []);
    expect(drawnBody.ok && drawnBody.value.body['seed']).toBe(drawn.request.options.seed);
  });

  it('Retry keeps a given seed and drops a drawn one (a new one is drawn), the other options kept', async () => {
    const { schemas } = await setUp('seed');
    const given = planOf(await plan('a fox --seed 42 --duration 8', [], schemas)).request;
    expect(retryRequest(given).options).toMatchObject({ seed: 42, duration: 8 });
    const drawn = planOf(await plan('a fox --duration 8', [], schemas)).request;
    const again = retryRequest(drawn, 'a wolf');
    expect(again).toMatchObject({ prompt: 'a wolf', options: { duration: 8 } });
    expect(again.options.seed).toBeUndefined();
    const replanned = planOf(await planGeneration(again, [], { schemas }));
    expect(replanned.request.options.seed).toEqual(expect.any(Number));
  });
});
