import { describe, expect, it } from 'vitest';
import {
  ASPECT_RATIO_CHOICES,
  catalog,
  durationChoices,
  findModel,
  modelFor,
  modelOf,
  versionChoices,
  resolutionsForAnyTier,
  RESOLUTIONS_BY_TIER,
  tierChoices,
  tiersOffering,
} from '../../../src/core/models/catalog.js';
import { requestSchemaSchema } from '../../../src/core/oxen/types.js';
import { todayFastTextToVideoPage } from './seed-schemas.js';

describe('catalog', () => {
  it('lists the nine Seedance 2.0 models with their tier and mode, then the three 2.5 models', () => {
    expect(catalog.filter((m) => m.version === '2.0').map((m) => [m.id, m.tier, m.mode])).toEqual([
      ['bytedance-seedance-2-0-text-to-video', 'pro', 'text'],
      ['bytedance-seedance-2-0-image-to-video', 'pro', 'image'],
      ['bytedance-seedance-2-0-reference-to-video', 'pro', 'reference'],
      ['bytedance-seedance-2-0-fast-text-to-video', 'fast', 'text'],
      ['bytedance-seedance-2-0-fast-image-to-video', 'fast', 'image'],
      ['bytedance-seedance-2-0-fast-reference-to-video', 'fast', 'reference'],
      ['bytedance-seedance-2-0-mini-text-to-video', 'mini', 'text'],
      ['bytedance-seedance-2-0-mini-image-to-video', 'mini', 'image'],
      ['bytedance-seedance-2-0-mini-reference-to-video', 'mini', 'reference'],
    ]);
    expect(findModel('bytedance-seedance-2-0-fast-text-to-video')?.displayName).toBe('Seedance 2.0 Fast - Text to Video');
    expect(modelFor('mini', 'image').id).toBe('bytedance-seedance-2-0-mini-image-to-video');
    expect(catalog.filter((m) => m.version === '2.5').map((m) => [m.id, m.tier, m.mode])).toEqual([
      ['bytedance-seedance-2-5-text-to-video', undefined, 'text'],
      ['bytedance-seedance-2-5-image-to-video', undefined, 'image'],
      ['bytedance-seedance-2-5-reference-to-video', undefined, 'reference'],
    ]);
    expect(modelOf('2.5', 'pro', 'reference').displayName).toBe('Seedance 2.5 - Reference to Video');
    expect(modelOf('2.0', 'mini', 'text').id).toBe('bytedance-seedance-2-0-mini-text-to-video');
  });

  it('gives 2.5 its own limits, durations and schema (oxen-api.md section 6)', () => {
    const r2v = modelOf('2.5', 'fast', 'reference');
    expect(r2v.limits.references).toEqual({ image: 30, video: 10, audio: 10, total: 50 });
    expect(modelFor('fast', 'reference').limits.references).toEqual({ image: 9, video: 3, audio: 3, total: 12 });
    expect(r2v.limits.durations).toEqual([4, 5, 6, 8, 10, 12, 15, 20, 25, 30]);
    const props = r2v.fallbackSchema.properties;
    expect(props['duration']).toMatchObject({ default: 'auto', enum: ['auto', 4, 5, 6, 8, 10, 12, 15, 20, 25, 30] });
    expect(props['generate_audio']?.default).toBe(true);
    expect(props['output_format']?.enum).toEqual(['mp4', 'mov']);
    expect(props['resolution']?.enum).toEqual(['480p', '720p']);
  });

  it.each(catalog.map((m) => [m.id, m] as const))('%s has a valid built-in schema for its tier and mode', (_id, m) => {
    expect(requestSchemaSchema.safeParse(m.fallbackSchema).success).toBe(true);
    const props = m.fallbackSchema.properties;
    expect(props['resolution']?.enum).toEqual(m.tier ? RESOLUTIONS_BY_TIER[m.tier] : ['480p', '720p']);
    expect(props['seed']).toBeUndefined();
    const media = Object.keys(props).filter((k) => k.startsWith('input_') || k.startsWith('tail_'));
    const expected = {
      text: [],
      image: ['input_image', 'input_image_has_face', 'tail_image_url', 'tail_image_url_has_face'],
      reference: ['input_face_images', 'input_images', 'input_face_videos', 'input_videos', 'input_audios'],
    }[m.mode];
    expect(media.sort()).toEqual([...expected].sort());
    expect(m.fallbackSchema.required).toEqual(m.mode === 'image' ? ['prompt', 'input_image'] : ['prompt']);
  });

  it("matches page 001's published parameters for Fast text-to-video", () => {
    const ours = modelFor('fast', 'text').fallbackSchema.properties;
    for (const [name, published] of Object.entries(todayFastTextToVideoPage.properties)) {
      expect({ name, type: ours[name]?.type, default: ours[name]?.default, enum: ours[name]?.enum }).toEqual({
        name,
        type: published.type,
        default: published.default,
        enum: published.enum,
      });
    }
  });

  it('gives adapters their choices', () => {
    expect(tierChoices()).toEqual([
      { name: 'Pro', value: 'pro' },
      { name: 'Fast', value: 'fast' },
      { name: 'Mini', value: 'mini' },
    ]);
    expect(tierChoices({ includeAuto: true })[0]?.value).toBe('auto');
    expect(resolutionsForAnyTier()).toEqual(['480p', '720p', '1080p', '4k']);
    expect(tiersOffering('1080p')).toEqual(['pro']);
    expect(ASPECT_RATIO_CHOICES).toEqual(['auto', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16']);
    expect(durationChoices()).toEqual(['auto', 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 20, 25, 30]);
    expect(versionChoices().map((c) => c.value)).toEqual(['2.0', '2.5']);
  });
});
