import { describe, expect, it } from 'vitest';
import { findModel, type CatalogEntry } from '../../../src/core/models/catalog.js';
import { validateAgainstSchema } from '../../../src/core/models/schema-validation.js';
import { checkRequest, translateRequest, type HostedMedia } from '../../../src/core/models/translate.js';
import type { RequestSchema } from '../../../src/core/oxen/types.js';
import { DEFAULT_OPTIONS, type GenerationOptions } from '../../../src/core/request.js';
import type { Problem } from '../../../src/core/result.js';
import { seedFastTextToVideo, seedProReferenceToVideo, seedProTextToVideo, todayFastTextToVideoPage } from './seed-schemas.js';

const model = (id: string): CatalogEntry => {
  const found = findModel(id);
  if (!found) throw new Error(`no ${id}`);
  return found;
};
const proT2V = model('bytedance-seedance-2-0-text-to-video');
const fastT2V = model('bytedance-seedance-2-0-fast-text-to-video');
const proR2V = model('bytedance-seedance-2-0-reference-to-video');
const fastI2V = model('bytedance-seedance-2-0-fast-image-to-video');

const OCTOPUS =
  'An octopus finds a football in the ocean and excitedly calls its octopus friends to come and play. Cut scene to an octopus football game under the sea.';
const OX = 'A lone ox walks down an empty desert highway at golden hour, dust drifting behind it, slow cinematic camera move, warm low sunlight, shallow depth of field.';
const DANCE = '@Image1 dances to the rhythm of @Audio1 in the style of @Video1';

const image = (n: number, url = `https://example.com/image${n}.jpg`): HostedMedia => ({ kind: 'image', label: `@Image${n}`, url });
const video = (n: number, url = `https://example.com/video${n}.mp4`): HostedMedia => ({ kind: 'video', label: `@Video${n}`, url });
const audio = (n: number, url = `https://example.com/audio${n}.mp3`): HostedMedia => ({ kind: 'audio', label: `@Audio${n}`, url });

function translate(m: CatalogEntry, schema: RequestSchema, prompt: string, options: Partial<GenerationOptions>, media: HostedMedia[] = []) {
  return translateRequest({ model: m, schema, prompt, options: { ...DEFAULT_OPTIONS, ...options }, media });
}

function bodyOf(...args: Parameters<typeof translate>): Record<string, unknown> {
  const result = translate(...args);
  if (!result.ok) throw new Error(`expected a body, got ${JSON.stringify(result.problems)}`);
  return result.value.body;
}

function problemsOf(...args: Parameters<typeof translate>): Problem[] {
  const result = translate(...args);
  if (result.ok) throw new Error(`expected problems, got ${JSON.stringify(result.value.body)}`);
  return result.problems;
}

const danceMedia = [image(1, 'https://example.com/dancer.jpg'), video(1, 'https://example.com/dance-reference.mp4'), audio(1, 'https://example.com/music.mp3')];

describe('translateRequest: the seed models in both dialects', () => {
  const cases: {
    name: string;
    model: CatalogEntry;
    schema: RequestSchema;
    prompt: string;
    options: Partial<GenerationOptions>;
    media?: HostedMedia[];
    body: Record<string, unknown>;
  }[] = [
    {
      name: 'Pro T2V, old dialect (page 000 "All parameters")',
      model: proT2V,
      schema: seedProTextToVideo,
      prompt: OCTOPUS,
      options: {},
      body: {
        model: 'bytedance-seedance-2-0-text-to-video',
        prompt: OCTOPUS,
        resolution: '720p',
        duration: 'auto',
        aspect_ratio: 'auto',
        generate_audio: true,
        num_generations: 1,
      },
    },
    {
      name: 'Pro T2V, today',
      model: proT2V,
      schema: proT2V.fallbackSchema,
      prompt: OCTOPUS,
      options: {},
      body: {
        model: 'bytedance-seedance-2-0-text-to-video',
        prompt: OCTOPUS,
        resolution: '720p',
        duration: -1,
        aspect_ratio: 'adaptive',
        generate_audio: false,
        watermark: false,
        num_generations: 1,
      },
    },
    {
      name: 'Fast T2V, today (page 001 "All parameters")',
      model: fastT2V,
      schema: todayFastTextToVideoPage,
      prompt: OX,
      options: { aspectRatio: '16:9' },
      body: {
        model: 'bytedance-seedance-2-0-fast-text-to-video',
        prompt: OX,
        resolution: '720p',
        duration: -1,
        aspect_ratio: '16:9',
        generate_audio: false,
        watermark: false,
        num_generations: 1,
      },
    },
    {
      name: 'Fast T2V, old dialect, 480p 12 s with audio off',
      model: fastT2V,
      schema: seedFastTextToVideo,
      prompt: OX,
      options: { resolution: '480p', duration: 12, audio: false, aspectRatio: '9:16', count: 3 },
      body: {
        model: 'bytedance-seedance-2-0-fast-text-to-video',
        prompt: OX,
        resolution: '480p',
        duration: '12',
        aspect_ratio: '9:16',
        generate_audio: false,
        num_generations: 3,
      },
    },
    {
      name: 'Pro R2V, old dialect (page 003 "With reference video and audio")',
      model: proR2V,
      schema: seedProReferenceToVideo,
      prompt: DANCE,
      options: { resolution: '720p', duration: 10, audio: true },
      media: danceMedia,
      body: {
        model: 'bytedance-seedance-2-0-reference-to-video',
        prompt: DANCE,
        input_images: ['https://example.com/dancer.jpg'],
        input_videos: ['https://example.com/dance-reference.mp4'],
        input_audios: ['https://example.com/music.mp3'],
        resolution: '720p',
        duration: '10',
        aspect_ratio: 'auto',
        generate_audio: true,
        num_generations: 1,
      },
    },
    {
      name: 'Pro R2V, today, same request',
      model: proR2V,
      schema: proR2V.fallbackSchema,
      prompt: DANCE,
      options: { resolution: '720p', duration: 10, audio: true },
      media: danceMedia,
      body: {
        model: 'bytedance-seedance-2-0-reference-to-video',
        prompt: DANCE,
        input_images: ['https://example.com/dancer.jpg'],
        input_videos: ['https://example.com/dance-reference.mp4'],
        input_audios: ['https://example.com/music.mp3'],
        resolution: '720p',
        duration: 10,
        aspect_ratio: 'adaptive',
        generate_audio: true,
        watermark: false,
        num_generations: 1,
      },
    },
    {
      name: 'Pro R2V, old dialect (page 003 queue example: two generations, "5" s)',
      model: proR2V,
      schema: seedProReferenceToVideo,
      prompt: '@Image1 waves at the camera and smiles',
      options: { duration: 5, count: 2 },
      media: [image(1, 'https://example.com/person.jpg')],
      body: {
        model: 'bytedance-seedance-2-0-reference-to-video',
        prompt: '@Image1 waves at the camera and smiles',
        input_images: ['https://example.com/person.jpg'],
        resolution: '720p',
        duration: '5',
        aspect_ratio: 'auto',
        generate_audio: true,
        num_generations: 2,
      },
    },
    {
      name: 'Pro R2V, today, 1080p portrait with watermark',
      model: proR2V,
      schema: proR2V.fallbackSchema,
      prompt: '@Image1 speaks directly to camera',
      options: { resolution: '1080p', aspectRatio: '9:16', duration: 6, watermark: true },
      media: [image(1, 'https://example.com/speaker.jpg')],
      body: {
        model: 'bytedance-seedance-2-0-reference-to-video',
        prompt: '@Image1 speaks directly to camera',
        input_images: ['https://example.com/speaker.jpg'],
        resolution: '1080p',
        duration: 6,
        aspect_ratio: '9:16',
        generate_audio: false,
        watermark: true,
        num_generations: 1,
      },
    },
  ];

  it.each(cases)('$name', ({ model: m, schema, prompt, options, media, body }) => {
    const actual = bodyOf(m, schema, prompt, options, media);
    expect(actual).toEqual(body);
    expect(validateAgainstSchema(actual, schema)).toEqual([]);
    expect(actual).not.toHaveProperty('seed');
  });

  it('reports the effective settings, with the schema defaults filled in', () => {
    const old = translate(proT2V, seedProTextToVideo, OCTOPUS, {});
    const today = translate(proT2V, proT2V.fallbackSchema, OCTOPUS, { count: 2 });
    expect(old.ok && old.value.settings).toEqual({ resolution: '720p', duration: 'auto', aspectRatio: 'auto', audio: true, watermark: false, count: 1 });
    expect(today.ok && today.value.settings).toEqual({ resolution: '720p', duration: 'auto', aspectRatio: 'auto', audio: false, watermark: false, count: 2 });
  });
});

describe('translateRequest: references', () => {
  it('puts R2V references in label order, not upload order', () => {
    const body = bodyOf(proR2V, proR2V.fallbackSchema, '@Image1 @Image2 @Image10', {}, [image(10), image(2), image(1), video(2), video(1)]);
    expect(body['input_images']).toEqual(['https://example.com/image1.jpg', 'https://example.com/image2.jpg', 'https://example.com/image10.jpg']);
    expect(body['input_videos']).toEqual(['https://example.com/video1.mp4', 'https://example.com/video2.mp4']);
    expect(body).not.toHaveProperty('input_audios');
    expect(body).not.toHaveProperty('input_face_images');
  });

  it.each([
    { frames: 'first' as const, media: [image(1)], expected: { input_image: 'https://example.com/image1.jpg' } },
    { frames: 'off' as const, media: [image(1)], expected: { input_image: 'https://example.com/image1.jpg' } },
    {
      frames: 'first-last' as const,
      media: [image(2), image(1)],
      expected: { input_image: 'https://example.com/image1.jpg', tail_image_url: 'https://example.com/image2.jpg' },
    },
  ])('I2V with frames $frames', ({ frames, media, expected }) => {
    const body = bodyOf(fastI2V, fastI2V.fallbackSchema, 'the cat jumps', { frames, duration: 5 }, media);
    expect(body).toEqual({
      model: 'bytedance-seedance-2-0-fast-image-to-video',
      prompt: 'the cat jumps',
      resolution: '720p',
      duration: 5,
      aspect_ratio: 'adaptive',
      generate_audio: false,
      watermark: false,
      num_generations: 1,
      ...expected,
    });
    expect(validateAgainstSchema(body, fastI2V.fallbackSchema)).toEqual([]);
  });

  it('refuses a last frame when the schema has no tail_image_url', () => {
    const { tail_image_url: _dropped, ...properties } = fastI2V.fallbackSchema.properties;
    const schema = { ...fastI2V.fallbackSchema, properties };
    expect(problemsOf(fastI2V, schema, 'x', { frames: 'first-last' }, [image(1), image(2)])).toEqual([
      { code: 'model.unsupported_value', params: { option: 'frames', value: 'first-last', allowed: ['first'] } },
    ]);
  });

  it('refuses audio references when the live R2V schema has no input_audios', () => {
    const { input_audios: _dropped, ...properties } = proR2V.fallbackSchema.properties;
    const schema = { ...proR2V.fallbackSchema, properties };
    expect(problemsOf(proR2V, schema, 'x', {}, [image(1), audio(1)])).toEqual([
      { code: 'model.no_media_for_mode', params: { mode: 'reference', kind: 'audio', count: 1 } },
    ]);
  });
});

describe('translateRequest: refusals name the allowed values', () => {
  const secondsToday = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
  const cases: { name: string; run: () => Problem[]; problems: Problem[] }[] = [
    {
      name: '1080p on Fast (today)',
      run: () => problemsOf(fastT2V, fastT2V.fallbackSchema, 'x', { resolution: '1080p' }),
      problems: [{ code: 'model.unsupported_value', params: { option: 'resolution', value: '1080p', allowed: ['480p', '720p'] } }],
    },
    {
      name: '4k on Mini (today)',
      run: () => {
        const mini = model('bytedance-seedance-2-0-mini-reference-to-video');
        return problemsOf(mini, mini.fallbackSchema, 'x', { resolution: '4k' });
      },
      problems: [{ code: 'model.unsupported_value', params: { option: 'resolution', value: '4k', allowed: ['480p', '720p'] } }],
    },
    {
      name: '1080p on Pro R2V in the old dialect (it offered 720p at most)',
      run: () => problemsOf(proR2V, seedProReferenceToVideo, 'x', { resolution: '1080p' }),
      problems: [{ code: 'model.unsupported_value', params: { option: 'resolution', value: '1080p', allowed: ['480p', '720p'] } }],
    },
    {
      name: '3 s (today)',
      run: () => problemsOf(proT2V, proT2V.fallbackSchema, 'x', { duration: 3 }),
      problems: [{ code: 'model.unsupported_value', params: { option: 'duration', value: 3, allowed: ['auto', ...secondsToday] } }],
    },
    {
      name: '16 s (old dialect)',
      run: () => problemsOf(proT2V, seedProTextToVideo, 'x', { duration: 16 }),
      problems: [{ code: 'model.unsupported_value', params: { option: 'duration', value: 16, allowed: ['auto', ...secondsToday] } }],
    },
    {
      name: 'an aspect ratio the schema lacks',
      run: () => {
        const schema: RequestSchema = {
          ...proT2V.fallbackSchema,
          properties: { ...proT2V.fallbackSchema.properties, aspect_ratio: { type: 'string', enum: ['adaptive', '16:9', '9:16'] } },
        };
        return problemsOf(proT2V, schema, 'x', { aspectRatio: '21:9' });
      },
      problems: [{ code: 'model.unsupported_value', params: { option: 'aspect_ratio', value: '21:9', allowed: ['auto', '16:9', '9:16'] } }],
    },
    {
      name: 'a watermark on the old dialect, which has no such switch',
      run: () => problemsOf(proT2V, seedProTextToVideo, 'x', { watermark: true }),
      problems: [{ code: 'model.unsupported_option', params: { option: 'watermark' } }],
    },
    {
      name: 'audio asked for on a schema without generate_audio',
      run: () => {
        const { generate_audio: _dropped, ...properties } = proT2V.fallbackSchema.properties;
        return problemsOf(proT2V, { ...proT2V.fallbackSchema, properties }, 'x', { audio: true });
      },
      problems: [{ code: 'model.unsupported_option', params: { option: 'audio' } }],
    },
    {
      name: 'references given to text-to-video',
      run: () => problemsOf(fastT2V, fastT2V.fallbackSchema, 'x', {}, [image(1), image(2), audio(1)]),
      problems: [
        { code: 'model.no_media_for_mode', params: { mode: 'text', kind: 'image', count: 2 } },
        { code: 'model.no_media_for_mode', params: { mode: 'text', kind: 'audio', count: 1 } },
      ],
    },
    {
      name: 'audio references with no image or video',
      run: () => problemsOf(proR2V, proR2V.fallbackSchema, 'x', {}, [audio(1), audio(2)]),
      problems: [{ code: 'model.audio_needs_visual', params: { count: 2 } }],
    },
    {
      name: 'image-to-video without an image',
      run: () => problemsOf(fastI2V, fastI2V.fallbackSchema, 'x', { frames: 'first' }),
      problems: [{ code: 'model.first_frame_needs_image', params: { mode: 'image', needed: 1 } }],
    },
    {
      name: 'first-last with one image',
      run: () => problemsOf(fastI2V, fastI2V.fallbackSchema, 'x', { frames: 'first-last' }, [image(1)]),
      problems: [{ code: 'model.last_frame_needs_image', params: { frames: 'first-last', needed: 2, count: 1 } }],
    },
    {
      name: 'image-to-video with three images, a video and an audio',
      run: () => problemsOf(fastI2V, fastI2V.fallbackSchema, 'x', { frames: 'first-last' }, [image(1), image(2), image(3), video(1), audio(1)]),
      problems: [
        { code: 'model.too_many_references', params: { mode: 'image', kind: 'image', count: 3, max: 2, frames: 'first-last' } },
        { code: 'model.no_media_for_mode', params: { mode: 'image', kind: 'video', count: 1 } },
        { code: 'model.no_media_for_mode', params: { mode: 'image', kind: 'audio', count: 1 } },
      ],
    },
    {
      name: 'frames on reference-to-video',
      run: () => problemsOf(proR2V, proR2V.fallbackSchema, 'x', { frames: 'first' }, [image(1), video(1)]),
      problems: [{ code: 'model.unsupported_value', params: { option: 'frames', value: 'first', allowed: ['off'], mode: 'reference' } }],
    },
    {
      name: 'too many references of every kind',
      run: () =>
        problemsOf(
          proR2V,
          proR2V.fallbackSchema,
          'x',
          {},
          [...Array.from({ length: 10 }, (_, i) => image(i + 1)), ...[1, 2, 3, 4].map((n) => video(n)), ...[1, 2, 3, 4].map((n) => audio(n))],
        ),
      problems: [
        { code: 'model.too_many_references', params: { mode: 'reference', kind: 'image', count: 10, max: 9 } },
        { code: 'model.too_many_references', params: { mode: 'reference', kind: 'video', count: 4, max: 3 } },
        { code: 'model.too_many_references', params: { mode: 'reference', kind: 'audio', count: 4, max: 3 } },
        { code: 'model.too_many_references', params: { mode: 'reference', kind: 'total', count: 18, max: 12 } },
      ],
    },
    ...[0, 5, 2.5].map((count) => ({
      name: `count ${count}`,
      run: () => problemsOf(proT2V, proT2V.fallbackSchema, 'x', { count }),
      problems: [{ code: 'option.invalid_value' as const, params: { option: 'count', value: count, allowed: [1, 2, 3, 4] } }],
    })),
  ];

  it.each(cases)('$name', ({ run, problems }) => {
    expect(run()).toEqual(problems);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(fastT2V, fastT2V.fallbackSchema, 'x', { resolution: '4k', duration: 2, count: 9 }, [video(1)]);
    expect(problems.map((p) => p.code).sort()).toEqual([
      'model.no_media_for_mode',
      'model.unsupported_value',
      'model.unsupported_value',
      'option.invalid_value',
    ]);
  });

  it('accepts 12 references in all, and refuses a 13th', () => {
    const media = [...Array.from({ length: 9 }, (_, i) => image(i + 1)), ...[1, 2, 3].map((n) => video(n))];
    const body = bodyOf(proR2V, proR2V.fallbackSchema, 'x', {}, media);
    expect((body['input_images'] as unknown[]).length).toBe(9);
    expect(problemsOf(proR2V, proR2V.fallbackSchema, 'x', {}, [...media, audio(1)])).toEqual([
      { code: 'model.too_many_references', params: { mode: 'reference', kind: 'total', count: 13, max: 12 } },
    ]);
  });
});

describe('translateRequest: how each dialect spells auto', () => {
  const prop = (property: RequestSchema['properties'][string], name: string): RequestSchema => ({
    properties: { prompt: { type: 'string' }, [name]: property },
    required: ['prompt'],
  });

  it.each([
    { name: 'integer with -1 in the enum', property: { type: 'integer', default: -1, enum: [-1, 4, 8] }, sent: -1 },
    { name: 'string with "auto"', property: { type: 'string', default: 'auto', enum: ['auto', '4', '8'] }, sent: 'auto' },
    { name: 'integer 4-15 without an auto value or a default (left out)', property: { type: 'integer', minimum: 4, maximum: 15 }, sent: undefined },
    { name: 'integer or string, as Seedance 2.5', property: { type: ['integer', 'string'], default: 'auto', enum: ['auto', 4, 5] }, sent: 'auto' },
  ])('duration auto: $name', ({ property, sent }) => {
    const body = bodyOf(proT2V, prop(property, 'duration'), 'x', { duration: 'auto' });
    expect(body['duration']).toBe(sent);
    expect('duration' in body).toBe(sent !== undefined);
  });

  it('refuses auto duration when it has no spelling and the default is a fixed length', () => {
    const schema = prop({ type: 'integer', default: 5, minimum: 4, maximum: 6 }, 'duration');
    expect(problemsOf(proT2V, schema, 'x', { duration: 'auto' })).toEqual([
      { code: 'model.unsupported_value', params: { option: 'duration', value: 'auto', allowed: [4, 5, 6] } },
    ]);
  });

  it('sends 8 as a number or a string, whichever the enum holds', () => {
    const asInt = translate(proT2V, prop({ type: ['integer', 'string'], enum: ['auto', 8] }, 'duration'), 'x', { duration: 8 });
    const asText = translate(proT2V, prop({ type: ['integer', 'string'], enum: ['auto', '8'] }, 'duration'), 'x', { duration: 8 });
    expect(asInt.ok && asInt.value.body['duration']).toBe(8);
    expect(asText.ok && asText.value.body['duration']).toBe('8');
  });

  it.each([
    { enumValues: ['adaptive', '16:9'], sent: 'adaptive' },
    { enumValues: ['auto', '16:9'], sent: 'auto' },
  ])('aspect auto with enum $enumValues', ({ enumValues, sent }) => {
    const result = translate(proT2V, prop({ type: 'string', enum: enumValues }, 'aspect_ratio'), 'x', { aspectRatio: 'auto' });
    expect(result.ok && result.value.body['aspect_ratio']).toBe(sent);
  });

  it('sends only what the schema declares, plus model, prompt and num_generations', () => {
    const minimal: RequestSchema = { properties: { prompt: { type: 'string' } }, required: ['prompt'] };
    expect(bodyOf(proT2V, minimal, 'x', {})).toEqual({ model: proT2V.id, prompt: 'x', num_generations: 1 });
  });
});

describe('checkRequest', () => {
  it('refuses what translateRequest would, before any URL exists', () => {
    const result = checkRequest({
      model: fastT2V,
      schema: fastT2V.fallbackSchema,
      prompt: 'x',
      options: { ...DEFAULT_OPTIONS, resolution: '4k' },
      media: [{ kind: 'image', label: '@Image1' }],
    });
    expect(result.ok ? [] : result.problems.map((p) => p.code)).toEqual(['model.unsupported_value', 'model.no_media_for_mode']);
  });

  it('gives the effective settings for a request that can go ahead', () => {
    const result = checkRequest({
      model: proR2V,
      schema: seedProReferenceToVideo,
      prompt: '@Image1 runs',
      options: { ...DEFAULT_OPTIONS, duration: 8 },
      media: [{ kind: 'image', label: '@Image1' }],
    });
    expect(result).toEqual({
      ok: true,
      value: { resolution: '720p', duration: 8, aspectRatio: 'auto', audio: true, watermark: false, count: 1 },
    });
  });
});
