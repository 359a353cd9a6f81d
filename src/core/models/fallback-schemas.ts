/**
 * The request schemas the bot uses when Oxen's models endpoint cannot be reached, written in
 * today's dialect (reference/oxen-api.md section 6, pages regenerated 2026-07-01). The live
 * `request_schema` always wins when there is one.
 */
import type { RequestSchema, SchemaProperty } from '../oxen/types.js';
import type { Mode, Resolution } from '../request.js';

const DURATION_SECONDS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const uri: SchemaProperty = { type: 'string', format: 'uri' };
const uriList = (description: string): SchemaProperty => ({ type: 'array', items: { type: 'string', format: 'uri' }, description });

const commonProperties = (resolutions: readonly Resolution[]): Record<string, SchemaProperty> => ({
  prompt: { type: 'string', description: 'The text prompt used to generate the video.' },
  resolution: { type: 'string', default: '720p', enum: [...resolutions], description: 'Video resolution.' },
  duration: {
    type: 'integer',
    default: -1,
    enum: [-1, ...DURATION_SECONDS],
    description: 'Duration of the video in seconds, or -1 to let the model decide.',
  },
  aspect_ratio: {
    type: 'string',
    default: '16:9',
    enum: ['adaptive', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'],
    description: 'The aspect ratio of the generated video; adaptive lets the model decide.',
  },
  generate_audio: { type: 'boolean', default: false, description: 'Whether to generate synchronized audio.' },
  watermark: { type: 'boolean', default: false, description: "Whether to add an 'AI generated' watermark." },
});

const mediaProperties: Record<Mode, Record<string, SchemaProperty>> = {
  text: {},
  image: {
    input_image: { ...uri, description: 'The URL of the starting frame image.' },
    input_image_has_face: { type: 'boolean', default: false, description: 'Whether the starting frame shows a real human face.' },
    tail_image_url: { ...uri, description: 'The URL of the ending frame image.' },
    tail_image_url_has_face: { type: 'boolean', default: false, description: 'Whether the ending frame shows a real human face.' },
  },
  reference: {
    input_face_images: uriList('Reference images that show a real human face.'),
    input_images: uriList('Reference images, up to 9 in total with face images.'),
    input_face_videos: uriList('Reference videos that show a real human face.'),
    input_videos: uriList('Reference videos, up to 3 in total with face videos.'),
    input_audios: uriList('Reference audios, up to 3; needs at least one image or video.'),
  },
};

/** Seedance 2.5 (oxen-api.md section 6): its own durations, auto by default, up to 30 s. */
export const DURATIONS_2_5 = [4, 5, 6, 8, 10, 12, 15, 20, 25, 30] as const;
export const DURATIONS_2_0 = DURATION_SECONDS;

/**
 * Seedance 2.5 as documented: 480p/720p, duration `auto` or one of DURATIONS_2_5 (integer or
 * string), audio on by default, and `output_format` (mp4|mov). What the page does not list (aspect
 * ratio, watermark, the media fields) is taken to be as in 2.0; the live schema wins anyway.
 */
export function schema2_5(mode: Mode): RequestSchema {
  const base = todaysSchema(mode, ['480p', '720p']);
  return {
    ...base,
    properties: {
      ...base.properties,
      duration: {
        type: ['integer', 'string'],
        default: 'auto',
        enum: ['auto', ...DURATIONS_2_5],
        description: 'Duration of the video in seconds, or auto to let the model decide.',
      },
      generate_audio: { type: 'boolean', default: true, description: 'Whether to generate synchronized audio.' },
      output_format: { type: 'string', default: 'mp4', enum: ['mp4', 'mov'], description: 'Container of the video.' },
      ...(mode === 'reference'
        ? {
            input_images: uriList('Reference images, up to 30 in total with face images.'),
            input_videos: uriList('Reference videos, up to 10 in total with face videos.'),
            input_audios: uriList('Reference audios, up to 10; needs at least one image or video.'),
          }
        : {}),
    },
  };
}

/** Today's schema for one Seedance 2.0 model, given its mode and the resolutions its tier offers. */
export function todaysSchema(mode: Mode, resolutions: readonly Resolution[]): RequestSchema {
  return {
    properties: { ...commonProperties(resolutions), ...mediaProperties[mode] },
    required: mode === 'image' ? ['prompt', 'input_image'] : ['prompt'],
    basic: mode === 'image' ? ['prompt', 'input_image', 'tail_image_url'] : ['prompt'],
  };
}
