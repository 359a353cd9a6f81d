/**
 * Faces and "every file in the prompt", in the core: the `--face` flag, the face fields of the
 * body (schema-driven), the model's numbering (faces first) against the person's labels, the
 * sentences added for unnamed files, and the plan the fake Oxen runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findModel, type CatalogEntry } from '../../../src/core/models/catalog.js';
import { todaysSchema } from '../../../src/core/models/fallback-schemas.js';
import { ModelSchemas } from '../../../src/core/models/schemas.js';
import { translateRequest, type HostedMedia } from '../../../src/core/models/translate.js';
import { OxenClient } from '../../../src/core/oxen/client.js';
import { describeProblems } from '../../../src/core/messages.js';
import { parseOptionFields, parseOptionsText } from '../../../src/core/options/parse-options.js';
import { bodyForPlan, planGeneration, type GenerationPlan } from '../../../src/core/plan.js';
import { withEveryFile } from '../../../src/core/references/every-file.js';
import { DEFAULT_OPTIONS, type GenerationOptions } from '../../../src/core/request.js';
import type { IncomingAttachment } from '../../../src/core/references/types.js';
import { startFakeOxen, type FakeOxen } from '../../fakes/oxen/index.js';
import { seedProReferenceToVideo } from '../models/seed-schemas.js';
import { upload } from './helpers.js';

const model = (id: string): CatalogEntry => findModel(id)!;
const proR2V = model('bytedance-seedance-2-0-reference-to-video');
const fastI2V = model('bytedance-seedance-2-0-fast-image-to-video');
const image = (n: number, face = false): HostedMedia => ({ kind: 'image', label: `@Image${n}`, url: `https://example.com/image${n}.jpg`, ...(face ? { face } : {}) });
const video = (n: number, face = false): HostedMedia => ({ kind: 'video', label: `@Video${n}`, url: `https://example.com/video${n}.mp4`, ...(face ? { face } : {}) });

function body(m: CatalogEntry, schema: Parameters<typeof translateRequest>[0]['schema'], prompt: string, media: HostedMedia[], options: Partial<GenerationOptions> = {}) {
  const result = translateRequest({ model: m, schema, prompt, options: { ...DEFAULT_OPTIONS, ...options }, media });
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.value.body;
}

describe('the --face flag', () => {
  it('is read repeated, as a comma list, by name, with or without @, and leaves the prompt', () => {
    const parsed = parseOptionsText('@cat.png meets @Image2 --face @Image2 --face=@selfie.jpg,Image3 --fast');
    if (!parsed.ok) throw new Error(describeProblems(parsed.problems));
    expect(parsed.value.options.faces).toEqual(['@Image2', '@selfie.jpg', '@Image3']);
    expect(parsed.value.prompt).toBe('@cat.png meets @Image2');
    expect(parsed.value.given.has('faces')).toBe(true);
  });

  it('comes from a typed field (the Discord option, the forms) the same way', () => {
    const parsed = parseOptionFields({ faces: '@Image1, selfie.jpg' });
    expect(parsed.ok && parsed.value.options.faces).toEqual(['@Image1', '@selfie.jpg']);
  });

  it('is bounded: more files than a request may have is refused with a sentence', () => {
    const many = Array.from({ length: 16 }, (_, i) => `@Image${i + 1}`).join(',');
    const parsed = parseOptionsText(`a dance --face ${many}`);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(describeProblems(parsed.problems)).toContain('face mark');
    expect(parseOptionsText('a dance --face').ok).toBe(false);
  });
});

describe('face fields in the body', () => {
  it('reference-to-video: face media first in its own field, and the prompt renumbered to match', () => {
    const b = body(proR2V, todaysSchema('reference', ['480p', '720p']), '@Image1 hugs @Image2 while @Image3 watches, like @Video1 and @Video2', [image(1), image(2, true), image(3), video(1), video(2, true)]);
    expect(b['input_face_images']).toEqual(['https://example.com/image2.jpg']);
    expect(b['input_images']).toEqual(['https://example.com/image1.jpg', 'https://example.com/image3.jpg']);
    expect(b['input_face_videos']).toEqual(['https://example.com/video2.mp4']);
    expect(b['input_videos']).toEqual(['https://example.com/video1.mp4']);
    // The model numbers faces first: the person's @Image2 is its @Image1, and so on.
    expect(b['prompt']).toBe('@Image2 hugs @Image1 while @Image3 watches, like @Video2 and @Video1');
  });

  it('without faces nothing moves and no face field is sent', () => {
    const b = body(proR2V, todaysSchema('reference', ['480p', '720p']), '@Image1 and @Image2', [image(1), image(2)]);
    expect(b).not.toHaveProperty('input_face_images');
    expect(b['prompt']).toBe('@Image1 and @Image2');
  });

  it('a schema without face fields (the older pages) gets plain references and the labels as typed', () => {
    const b = body(proR2V, seedProReferenceToVideo, '@Image1 hugs @Image2', [image(1), image(2, true)]);
    expect(b).not.toHaveProperty('input_face_images');
    expect(b['input_images']).toHaveLength(2);
    expect(b['prompt']).toBe('@Image1 hugs @Image2');
  });

  it('image-to-video: the has_face flags of the first and last frames', () => {
    const b = body(fastI2V, todaysSchema('image', ['480p', '720p']), 'she turns around', [image(1), image(2, true)], { frames: 'first-last' });
    expect(b['input_image']).toBe('https://example.com/image1.jpg');
    expect(b['tail_image_url']).toBe('https://example.com/image2.jpg');
    expect(b['tail_image_url_has_face']).toBe(true);
    expect(b).not.toHaveProperty('input_image_has_face');
  });
});

describe('every file in the prompt', () => {
  const entry = (label: string, kind: 'image' | 'video' | 'audio', referenced: boolean) => ({ name: `${label}.x`, label, kind, referenced });

  it('names the files the prompt does not, by kind, and keeps the rest as typed', () => {
    const result = withEveryFile('@Image1 dances', [entry('@Image1', 'image', true), entry('@Image2', 'image', false), entry('@Image3', 'image', false), entry('@Audio1', 'audio', false)]);
    expect(result.ok && result.value.prompt).toBe('@Image1 dances. Use @Image2 and @Image3 as reference images. Use @Audio1 as reference audio.');
    expect(withEveryFile('a cat!', [entry('@Video1', 'video', false)])).toMatchObject({ ok: true, value: { prompt: 'a cat! Use @Video1 as a reference video.' } });
    expect(withEveryFile('a cat', [entry('@Image1', 'image', true)])).toMatchObject({ ok: true, value: { prompt: 'a cat' } });
  });

  it('refuses, with what to do, when the additions pass the prompt limit', () => {
    const result = withEveryFile('x'.repeat(3990), [entry('@Image1', 'image', false)]);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(describeProblems(result.problems)).toMatch(/With the files it does not name added \(`@Image1`\).*name those files/);
  });
});

describe('the plan, run by the fake Oxen', () => {
  let fake: FakeOxen | undefined;
  afterEach(async () => fake?.close());

  async function planOf(text: string, files: IncomingAttachment[]): Promise<GenerationPlan> {
    fake = await startFakeOxen({ timing: 'manual' });
    const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: { maxAttempts: 1 } });
    const parsed = parseOptionsText(text);
    if (!parsed.ok) throw new Error(describeProblems(parsed.problems));
    const planned = await planGeneration({ prompt: parsed.value.prompt, options: parsed.value.options }, files, { schemas: new ModelSchemas(client) });
    if (!planned.ok) throw new Error(describeProblems(planned.problems));
    return planned.value;
  }

  it('a selfie marked by name: the mapping, the person\'s prompt, the model\'s prompt and the body agree', async () => {
    const p = await planOf('@cat.png sits on the lap of @selfie.png in a garden --face @selfie.png', [upload('cat.png'), upload('dog.jpg', 'selfie.png'), upload('bird.webp')]);
    expect(p.request.prompt).toBe('@Image1 sits on the lap of @Image2 in a garden. Use @Image3 as a reference image.');
    expect(p.modelPrompt).toBe('@Image2 sits on the lap of @Image1 in a garden. Use @Image3 as a reference image.');
    expect(p.mapping).toEqual([
      expect.objectContaining({ name: 'cat.png', label: '@Image1', sentAs: '@Image2' }),
      expect.objectContaining({ name: 'selfie.png', label: '@Image2', sentAs: '@Image1', face: true }),
      expect.objectContaining({ name: 'bird.webp', label: '@Image3' }),
    ]);
    expect(p.mapping[2]).not.toHaveProperty('sentAs');
    const hosted = p.references.map((r) => ({ kind: r.kind, label: r.label, url: `https://bot.example.com/r/${r.name}`, ...(r.face ? { face: true } : {}) }));
    const sent = bodyForPlan(p, hosted);
    if (!sent.ok) throw new Error('no body');
    expect(sent.value.body['prompt']).toBe(p.modelPrompt);
    expect(sent.value.body['input_face_images']).toEqual(['https://bot.example.com/r/selfie.png']);
    expect(sent.value.body['input_images']).toEqual(['https://bot.example.com/r/cat.png', 'https://bot.example.com/r/bird.webp']);
    // Oxen runs it: the face field is in the model's schema.
    fake!.switches.facesInReferences = false;
    const client = new OxenClient({ baseUrl: fake!.url, apiKey: fake!.apiKey, retry: { maxAttempts: 1 } });
    const [id] = await client.enqueue(sent.value.body as Parameters<OxenClient['enqueue']>[0]);
    fake!.advance(id!);
    fake!.advance(id!);
    expect((await client.getGeneration(id!)).status).toBe('succeeded');
  });

  it('a face mark that names no file, or an audio file, is refused with a sentence', async () => {
    fake = await startFakeOxen({ timing: 'manual' });
    const client = new OxenClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: { maxAttempts: 1 } });
    const parsed = parseOptionsText('@cat.png sings --face @Image4 --face @tone2s.mp3');
    if (!parsed.ok) throw new Error('parse');
    const planned = await planGeneration({ prompt: parsed.value.prompt, options: parsed.value.options }, [upload('cat.png'), upload('tone2s.mp3')], { schemas: new ModelSchemas(client) });
    expect(planned.ok).toBe(false);
    if (planned.ok) return;
    const text = describeProblems(planned.problems);
    expect(text).toContain('`--face @Image4` names no attached file. Attached: `cat.png`, `tone2s.mp3`');
    expect(text).toContain('`tone2s.mp3` is audio, so it cannot show a face');
  });
});
