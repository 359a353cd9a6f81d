/**
 * The nine Seedance 2.0 models (and the three 2.5 ones, in one dialect: their pages came later)
 * as GET /api/ai/models/{id} describes them, in two dialects:
 * - 'current': the live schema since 2026-05-29 (oxen-api.md section 6): integer duration with -1
 *   for auto, `adaptive` aspect ratio, audio off by default, no seed, 1080p/4k for Pro only.
 * - 'seed': the older pages in /work/shared/seeds: string duration "auto"|"4".."15", `auto` aspect
 *   ratio, audio on by default, `seed`, 480p/720p only.
 * Importable by any test that needs a model document or a request schema.
 */
import type { Pricing, RequestSchema, SchemaProperty } from '../../../src/core/oxen/types.js';

export type SchemaDialect = 'current' | 'seed';
/** '2.5' stands for Seedance 2.5, which has one tier. */
export type SeedanceTier = 'pro' | 'fast' | 'mini' | '2.5';
export type SeedanceMode = 'text' | 'image' | 'reference';

export const SEEDANCE_TIERS: readonly SeedanceTier[] = ['pro', 'fast', 'mini'];
export const SEEDANCE_MODES: readonly SeedanceMode[] = ['text', 'image', 'reference'];

export function seedanceModelId(tier: SeedanceTier, mode: SeedanceMode): string {
  if (tier === '2.5') return `bytedance-seedance-2-5-${mode}-to-video`;
  return `bytedance-seedance-2-0-${tier === 'pro' ? '' : `${tier}-`}${mode}-to-video`;
}

export interface SeedanceModelInfo {
  id: string;
  tier: SeedanceTier;
  mode: SeedanceMode;
}

export const SEEDANCE_MODELS: readonly SeedanceModelInfo[] = [...SEEDANCE_TIERS, '2.5' as const].flatMap((tier) =>
  SEEDANCE_MODES.map((mode) => ({ id: seedanceModelId(tier, mode), tier, mode })),
);

/** Seedance 2.5 (oxen-api.md section 6): auto or 4, 5, 6, 8, 10, 12, 15, 20, 25, 30 s, as integer or string. */
export const DURATIONS_2_5 = ['auto', 4, 5, 6, 8, 10, 12, 15, 20, 25, 30] as const;

export const CURRENT_DURATIONS = [-1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15] as const;
export const SEED_DURATIONS = ['auto', '4', '5', '6', '7', '8', '9', '10', '11', '12', '13', '14', '15'] as const;
export const CURRENT_ASPECT_RATIOS = ['adaptive', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'] as const;
export const SEED_ASPECT_RATIOS = ['auto', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'] as const;

export function resolutionsFor(tier: SeedanceTier, dialect: SchemaDialect): string[] {
  return dialect === 'current' && tier === 'pro' ? ['480p', '720p', '1080p', '4k'] : ['480p', '720p'];
}

const uriList = (description: string, order: number): SchemaProperty => ({
  type: 'array',
  items: { type: 'string', format: 'uri' },
  description,
  'x-order': order,
});

function commonProperties(tier: SeedanceTier, dialect: SchemaDialect): Record<string, SchemaProperty> {
  const prompt: SchemaProperty = { type: 'string', description: 'Text prompt. Use @Image1, @Video1, @Audio1 to refer to inputs.', 'x-order': 0 };
  const resolution: SchemaProperty = {
    type: 'string',
    default: '720p',
    enum: resolutionsFor(tier, dialect),
    description: 'Video resolution.',
    'x-order': 10,
  };
  if (dialect === 'seed') {
    return {
      prompt,
      resolution,
      duration: {
        type: 'string',
        default: 'auto',
        enum: [...SEED_DURATIONS],
        description: 'Duration of the video in seconds. Supports 4 to 15 seconds, or auto to let the model decide.',
        'x-order': 11,
      },
      aspect_ratio: {
        type: 'string',
        default: 'auto',
        enum: [...SEED_ASPECT_RATIOS],
        description: 'The aspect ratio of the generated video, or auto to let the model decide.',
        'x-order': 12,
      },
      generate_audio: { type: 'boolean', default: true, description: 'Whether to generate synchronized audio.', 'x-order': 13 },
      seed: { type: 'integer', description: 'Random seed for reproducibility.', 'x-order': 14 },
    };
  }
  return {
    prompt,
    resolution,
    duration: {
      type: 'integer',
      default: -1,
      enum: [...CURRENT_DURATIONS],
      description: 'Duration in seconds (4-15), or -1 to let the model decide.',
      'x-order': 11,
    },
    aspect_ratio: {
      type: 'string',
      default: '16:9',
      enum: [...CURRENT_ASPECT_RATIOS],
      // The live description says "auto" while the enum says adaptive; kept as Oxen has it.
      description: 'The aspect ratio of the generated video, or auto to let the model decide.',
      'x-order': 12,
    },
    generate_audio: { type: 'boolean', default: false, description: 'Generate synchronized audio.', 'x-order': 13 },
    watermark: { type: 'boolean', default: false, description: 'Add an "AI generated" watermark.', 'x-order': 14 },
  };
}

function modeProperties(mode: SeedanceMode, dialect: SchemaDialect): Record<string, SchemaProperty> {
  if (mode === 'image') {
    return {
      input_image: { type: 'string', format: 'uri', description: 'The URL of the starting frame image.', 'x-order': 1 },
      ...(dialect === 'current' ? { input_image_has_face: { type: 'boolean', default: false, 'x-order': 2 } } : {}),
      tail_image_url: { type: 'string', format: 'uri', description: 'The URL of the ending frame image.', 'x-order': 3 },
      ...(dialect === 'current' ? { tail_image_url_has_face: { type: 'boolean', default: false, 'x-order': 4 } } : {}),
    };
  }
  if (mode === 'reference') {
    if (dialect === 'seed') {
      return {
        input_images: uriList('Reference images (JPEG, PNG, WebP). Up to 9.', 1),
        input_videos: uriList('Reference videos (MP4, MOV). Up to 3.', 2),
        input_audios: uriList('Reference audio (MP3, WAV). Up to 3.', 3),
      };
    }
    return {
      input_face_images: uriList('Reference images showing a real human face.', 1),
      input_images: uriList('Reference images. At most 9 images in total.', 2),
      input_face_videos: uriList('Reference videos showing a real human face.', 3),
      input_videos: uriList('Reference videos. At most 3 videos in total.', 4),
      input_audios: uriList('Reference audio. At most 3 audios in total.', 5),
    };
  }
  return {};
}

/** Seedance 2.5's page: 480p/720p, its own durations (auto by default), audio on by default, output_format, 30/10/10 references; no seed. */
function schema2_5(mode: SeedanceMode): RequestSchema {
  const base = requestSchemaFor('fast', mode, 'current');
  const props = { ...base.properties };
  props['duration'] = { type: ['integer', 'string'], default: 'auto', enum: [...DURATIONS_2_5], description: 'Duration in seconds, or auto.', 'x-order': 11 };
  props['generate_audio'] = { type: 'boolean', default: true, description: 'Generate synchronized audio.', 'x-order': 13 };
  props['output_format'] = { type: 'string', default: 'mp4', enum: ['mp4', 'mov'], description: 'Output container.', 'x-order': 15 };
  if (mode === 'reference') {
    props['input_images'] = uriList('Reference images. At most 30 images in total.', 2);
    props['input_videos'] = uriList('Reference videos. At most 10 videos in total.', 4);
    props['input_audios'] = uriList('Reference audio. At most 10 audios in total.', 5);
  }
  return { ...base, properties: props };
}

export function requestSchemaFor(tier: SeedanceTier, mode: SeedanceMode, dialect: SchemaDialect): RequestSchema {
  if (tier === '2.5') return schema2_5(mode);
  const properties = { ...modeProperties(mode, dialect), ...commonProperties(tier, dialect) };
  return {
    type: 'object',
    properties,
    required: mode === 'image' ? ['prompt', 'input_image'] : ['prompt'],
    basic: ['prompt', ...Object.keys(modeProperties(mode, dialect)), 'resolution', 'duration', 'aspect_ratio'],
  };
}

/**
 * INVENTED prices (USD per output second): Oxen publishes none for Seedance in its docs, so these
 * are plausible placeholders in the shape of the spec's `pricing` object, for cost arithmetic tests.
 */
export function pricingFor(tier: SeedanceTier): Pricing {
  const byResolution: Record<SeedanceTier, Record<string, number>> = {
    pro: { '480p': 0.12, '720p': 0.25, '1080p': 0.6, '4k': 1.5 },
    fast: { '480p': 0.08, '720p': 0.16 },
    mini: { '480p': 0.05, '720p': 0.1 },
    '2.5': { '480p': 0.1, '720p': 0.2 },
  };
  const rates = byResolution[tier];
  return {
    method: 'per_video_output_second',
    cost_per_second: rates['720p'] ?? null,
    cost_per_second_by_resolution: rates,
    cost_per_second_with_audio: tier === '2.5' ? 0.24 : null,
    cost_per_second_high_res: tier === 'pro' ? (rates['1080p'] ?? null) : null,
  };
}

export type SchemaField = 'request_schema' | 'json_request_schema';

/** One Model object as GET /api/ai/models/{id} returns it. */
export function modelDocument(model: SeedanceModelInfo, dialect: SchemaDialect, schemaField: SchemaField = 'request_schema') {
  const tierName = { pro: 'Seedance 2.0', fast: 'Seedance 2.0 Fast', mini: 'Seedance 2.0 Mini', '2.5': 'Seedance 2.5' }[model.tier];
  const modeName = { text: 'Text to Video', image: 'Image to Video', reference: 'Reference to Video' }[model.mode];
  const inputs = { text: ['text'], image: ['text', 'image'], reference: ['text', 'image', 'video', 'audio'] }[model.mode];
  return {
    id: model.id,
    object: 'model',
    created: 1_775_000_000,
    owned_by: 'oxen',
    display_name: `${tierName} - ${modeName}`,
    description: `ByteDance ${tierName} ${modeName.toLowerCase()}.`,
    summary: `${tierName} ${modeName}`,
    model_type: 'base',
    endpoint: '/videos/generate',
    capabilities: { input: inputs, output: ['video'] },
    pricing: pricingFor(model.tier),
    fine_tuning: null,
    deployments: [],
    developer: { name: 'ByteDance', logo: null },
    [schemaField]: requestSchemaFor(model.tier, model.mode, dialect),
  };
}

/** Reference counts the models enforce when the job runs (R2V only). */
export const REFERENCE_CAPS = { images: 9, videos: 3, audios: 3, totalCurrent: 15, totalSeed: 12 } as const;
export const REFERENCE_CAPS_2_5 = { images: 30, videos: 10, audios: 10, total: 50 } as const;

/** A model's pricing and its run, as Oxen's generation row reports the cost: a decimal string. */
export function costOf(tier: SeedanceTier, params: Record<string, unknown>, autoSeconds = 5): string {
  const pricing = pricingFor(tier);
  const resolution = typeof params['resolution'] === 'string' ? params['resolution'] : '720p';
  const audio = params['generate_audio'] === true || (params['generate_audio'] === undefined && tier === '2.5');
  const rate = Math.max(pricing.cost_per_second_by_resolution?.[resolution] ?? pricing.cost_per_second ?? 0, audio ? (pricing.cost_per_second_with_audio ?? 0) : 0);
  const asked = Number(params['duration']);
  const seconds = Number.isFinite(asked) && asked > 0 ? asked : autoSeconds; // auto: the model chose
  return (rate * seconds).toFixed(4);
}
