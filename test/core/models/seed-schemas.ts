/**
 * Request schemas written from the seed pages in ../shared/seeds/, for tests.
 *
 * - 000 (Pro text-to-video) and 003 (Pro reference-to-video) are in the OLD dialect: duration a
 *   string "auto" | "4".."15", aspect "auto", generate_audio default true, a `seed`, no watermark.
 * - 001 (Fast text-to-video) is already in TODAY's dialect: integer duration -1 | 4..15, aspect
 *   `adaptive` with default 16:9, generate_audio default false, watermark, no seed.
 *
 * Fast text-to-video was not listed while the old dialect was live, so its old-dialect schema here
 * is page 000's (which also offers only 480p and 720p).
 */
import type { RequestSchema, SchemaProperty } from '../../../src/core/oxen/types.js';

const SECONDS = [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const uris = (description: string): SchemaProperty => ({ type: 'array', items: { type: 'string', format: 'uri' }, description });

/** Page 000, "Seedance 2.0 - Text to Video". */
export const seedProTextToVideo: RequestSchema = {
  properties: {
    prompt: { type: 'string', description: 'The text prompt.' },
    resolution: { type: 'string', default: '720p', enum: ['480p', '720p'], description: '480p for faster generation, 720p for balance.' },
    duration: { type: 'string', default: 'auto', enum: ['auto', ...SECONDS.map(String)] },
    aspect_ratio: { type: 'string', default: 'auto', enum: ['auto', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'] },
    generate_audio: { type: 'boolean', default: true },
    seed: { type: 'integer', description: 'Random seed for reproducibility.' },
  },
  required: ['prompt'],
};

export const seedFastTextToVideo: RequestSchema = seedProTextToVideo;

/** Page 003, "Seedance 2.0 reference-to-video" (the walkthrough). */
export const seedProReferenceToVideo: RequestSchema = {
  properties: {
    prompt: { type: 'string', description: 'Text prompt. Use @Image1, @Video1, @Audio1, etc. to reference input media.' },
    input_images: uris('Reference images (JPEG, PNG, WebP). Up to 9.'),
    input_videos: uris('Reference videos (MP4, MOV). Up to 3.'),
    input_audios: uris('Reference audio (MP3, WAV). Up to 3. Requires at least one reference image or video.'),
    resolution: { type: 'string', default: '720p', enum: ['480p', '720p'] },
    duration: { type: 'string', default: 'auto', enum: ['auto', ...SECONDS.map(String)] },
    generate_audio: { type: 'boolean', default: true },
    aspect_ratio: { type: 'string', default: 'auto', enum: ['auto', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'] },
    seed: { type: 'integer' },
    response_format: { type: 'string', default: 'url', enum: ['url', 'b64_json'] },
    target_namespace: { type: 'string' },
  },
  required: ['prompt'],
};

/** Page 001, "Seedance 2.0 Fast - Text to Video", as published (today's dialect). */
export const todayFastTextToVideoPage: RequestSchema = {
  properties: {
    prompt: { type: 'string' },
    resolution: { type: 'string', default: '720p', enum: ['480p', '720p'] },
    duration: { type: 'integer', default: -1, enum: [-1, ...SECONDS] },
    aspect_ratio: { type: 'string', default: '16:9', enum: ['adaptive', '21:9', '16:9', '4:3', '1:1', '3:4', '9:16'] },
    generate_audio: { type: 'boolean', default: false },
    watermark: { type: 'boolean', default: false },
  },
  required: ['prompt'],
};
