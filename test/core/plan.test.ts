/**
 * The core end to end: typed text and attachments -> options, references, model, body, checked
 * before anything is spent; then the body enqueued at the fake Oxen, which checks it against
 * the model's schema at run time as the real service does. Both schema dialects.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ModelSchemas } from '../../src/core/models/schemas.js';
import { OxenClient } from '../../src/core/oxen/client.js';
import { parseOptionsText } from '../../src/core/options/parse-options.js';
import { bodyForPlan, planGeneration, type GenerationPlan } from '../../src/core/plan.js';
import { describeProblems } from '../../src/core/messages.js';
import type { IncomingAttachment } from '../../src/core/references/types.js';
import type { Problem, Result } from '../../src/core/result.js';
import { startFakeOxen, type FakeOxen } from '../fakes/oxen/index.js';
import { upload } from './references/helpers.js';

let fake: FakeOxen;
afterEach(async () => fake?.close());

async function setUp(dialect: 'current' | 'seed') {
  fake = await startFakeOxen({ timing: 'manual', dialect });
  const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: { maxAttempts: 1 } });
  return { client, schemas: new ModelSchemas(client) };
}

async function plan(text: string, attachments: IncomingAttachment[], schemas: ModelSchemas): Promise<Result<GenerationPlan>> {
  const parsed = parseOptionsText(text);
  if (!parsed.ok) return parsed;
  return planGeneration({ prompt: parsed.value.prompt, options: parsed.value.options }, attachments, { schemas });
}

function planOf(result: Result<GenerationPlan>): GenerationPlan {
  if (!result.ok) throw new Error(describeProblems(result.problems));
  return result.value;
}

/** Enqueues at the fake and runs the generation to its end: the fake's run-time check decides. */
async function run(client: OxenClient, body: Record<string, unknown>) {
  const [id] = await client.enqueue(body as Parameters<OxenClient['enqueue']>[0]);
  fake.advance(id!);
  fake.advance(id!);
  return client.getGeneration(id!);
}

const hosted = (p: GenerationPlan) => p.references.map((r) => ({ kind: r.kind, label: r.label, url: `https://bot.example.com/references/t/${r.label.slice(1)}.${r.extension}` }));

describe.each([
  ['current', { duration: -1, aspect_ratio: 'adaptive', generate_audio: false, watermark: false }],
  ['seed', { duration: 'auto', aspect_ratio: 'auto', generate_audio: true, seed: expect.any(Number) }],
] as const)('the %s schema dialect', (dialect, autoSpelling) => {
  it('turns a plain prompt into the Fast text-to-video body, which Oxen runs', async () => {
    const { client, schemas } = await setUp(dialect);
    const p = planOf(await plan('an octopus plays football under the sea', [], schemas));
    expect(p.model.id).toBe('bytedance-seedance-2-0-fast-text-to-video');
    expect(p.schemaSource).toBe('live');
    const body = bodyForPlan(p, []);
    if (!body.ok) throw new Error('no body');
    expect(body.value.body).toEqual({
      model: 'bytedance-seedance-2-0-fast-text-to-video',
      prompt: 'an octopus plays football under the sea',
      resolution: '720p',
      num_generations: 1,
      ...autoSpelling,
    });
    expect(p.estimate.videoSeconds).toBe(15); // auto counts as the 15 s worst case
    expect((await run(client, body.value.body)).status).toBe('succeeded');
  });

  it('maps uploads to labelled references of the Pro reference-to-video model', async () => {
    const { client, schemas } = await setUp(dialect);
    const p = planOf(
      await plan('--pro --duration 8 --ar 9:16 @cat.png dances to @tone2s.mp3 in the style of @2', [upload('cat.png'), upload('clip3s.mp4'), upload('tone2s.mp3')], schemas),
    );
    expect(p.model.id).toBe('bytedance-seedance-2-0-reference-to-video');
    expect(p.request.prompt).toBe('@Image1 dances to @Audio1 in the style of @Video1');
    expect(p.mapping.map((m) => [m.name, m.label])).toEqual([
      ['cat.png', '@Image1'],
      ['clip3s.mp4', '@Video1'],
      ['tone2s.mp3', '@Audio1'],
    ]);
    const body = bodyForPlan(p, hosted(p));
    if (!body.ok) throw new Error('no body');
    expect(body.value.body).toMatchObject({
      model: 'bytedance-seedance-2-0-reference-to-video',
      input_images: ['https://bot.example.com/references/t/Image1.png'],
      input_videos: ['https://bot.example.com/references/t/Video1.mp4'],
      input_audios: ['https://bot.example.com/references/t/Audio1.mp3'],
      duration: dialect === 'current' ? 8 : '8',
      aspect_ratio: '9:16',
    });
    expect((await run(client, body.value.body)).status).toBe('succeeded');
  });

  it('uses one image as the first frame of image-to-video', async () => {
    const { client, schemas } = await setUp(dialect);
    const p = planOf(await plan('the dog wakes up --first-frame', [upload('dog.jpg')], schemas));
    expect(p.model.id).toBe('bytedance-seedance-2-0-fast-image-to-video');
    const body = bodyForPlan(p, hosted(p));
    if (!body.ok) throw new Error('no body');
    expect(body.value.body['input_image']).toBe('https://bot.example.com/references/t/Image1.jpg');
    expect((await run(client, body.value.body)).status).toBe('succeeded');
  });
});

describe('refusals before anything is spent', () => {
  it('reports file, option and model problems together, by file name, and enqueues nothing', async () => {
    const { schemas } = await setUp('current');
    const result = await plan('--fast --res 1080p a parade with @missing.png', [upload('pic.gif'), upload('notes.png')], schemas);
    if (result.ok) throw new Error('expected problems');
    const codes = result.problems.map((p: Problem) => p.code);
    expect(codes).toEqual(['reference.unsupported_type', 'reference.unsupported_type', 'prompt.unknown_reference', 'model.unsupported_value']);
    const text = describeProblems(result.problems);
    expect(text).toContain('nothing was spent');
    expect(text).toContain('`pic.gif` is a `gif` file. Use JPEG, PNG or WebP images, MP4 or MOV videos, and MP3 or WAV audio.');
    expect(text).toContain('no attached file has that name. Attached: `pic.gif`, `notes.png`.');
    expect(text).toContain('`notes.png` is not a format I can read');
    expect(text).toContain('Use one of `480p`, `720p`, or choose `--pro`');
    expect(fake.requestsTo('enqueue')).toHaveLength(0);
  });

  it('refuses audio without an image or video, and a 3 s duration, naming the allowed values', async () => {
    const { schemas } = await setUp('current');
    const parsed = parseOptionsText('a song --duration 3');
    expect(parsed.ok).toBe(false);
    const result = await plan('a song', [upload('tone2s.wav')], schemas);
    if (result.ok) throw new Error('expected problems');
    expect(describeProblems(result.problems)).toContain('Audio (`tone2s.wav`) can only be used with at least one image or video');
  });

  it('falls back to the built-in schema when the models endpoint is down, and the body still runs', async () => {
    const { client, schemas } = await setUp('current');
    fake.switches.modelsFailing = true;
    const p = planOf(await plan('a lighthouse in a storm --mini --res 480p', [], schemas));
    expect(p.schemaSource).toBe('fallback');
    fake.switches.modelsFailing = false;
    const body = bodyForPlan(p, []);
    if (!body.ok) throw new Error('no body');
    expect((await run(client, body.value.body)).status).toBe('succeeded');
  });

  it('catches a value the fake would fail at run time: the run-time check agrees with ours', async () => {
    const { client } = await setUp('current');
    const generation = await run(client, { model: 'bytedance-seedance-2-0-fast-text-to-video', prompt: 'x', resolution: '1080p' });
    expect(generation.status).toBe('failed');
    expect(generation.error_message).toMatch(/resolution/);
  });
});
